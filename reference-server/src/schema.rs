//! The SCIM schemas the server implements (RFC 7643 §4, §8.7): the single source of truth for
//! attribute types, case sensitivity, mutability and what is returned. The filter evaluator, the
//! PATCH engine, the projection of `attributes`/`excludedAttributes` and the `/Schemas` discovery
//! endpoint all read these tables, so they can never disagree.

use serde_json::{Map, Value, json};

/// URN of the core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// URN of the enterprise User extension.
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// URN of the ListResponse message.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// URN of the PatchOp message.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// URN of the Error message.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// URN of the SearchRequest message.
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// URN of the ServiceProviderConfig schema.
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// URN of the ResourceType schema.
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// URN of the Schema schema.
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// The data type of an attribute (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    /// A string.
    String,
    /// true or false.
    Boolean,
    /// A real number.
    Decimal,
    /// A whole number.
    Integer,
    /// An xsd:dateTime string.
    DateTime,
    /// Base64 data.
    Binary,
    /// A URI.
    Reference,
    /// A map of sub-attributes.
    Complex,
}

impl AttrType {
    fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

/// Who may change an attribute (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    /// Set by the server only; ignored when a client sends it.
    ReadOnly,
    /// Set freely.
    ReadWrite,
    /// Set once, on create (or when empty).
    Immutable,
    /// Set but never returned (passwords).
    WriteOnly,
}

/// When an attribute is returned (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    /// Always, even when excluded.
    Always,
    /// Never.
    Never,
    /// Unless excluded or not asked for with `attributes`.
    Default,
    /// Only when named in `attributes`.
    Request,
}

/// One attribute definition.
#[derive(Debug, Clone, Copy)]
pub struct AttributeDef {
    /// Canonical name.
    pub name: &'static str,
    /// Data type.
    pub kind: AttrType,
    /// Whether the value is an array.
    pub multi_valued: bool,
    /// Whether a resource must carry it.
    pub required: bool,
    /// Whether comparisons are case-sensitive.
    pub case_exact: bool,
    /// Who may change it.
    pub mutability: Mutability,
    /// When it is returned.
    pub returned: Returned,
    /// "none", "server" or "global".
    pub uniqueness: &'static str,
    /// Sub-attributes of a complex attribute.
    pub sub_attributes: &'static [AttributeDef],
    /// Suggested values (`type` of emails and the like).
    pub canonical_values: &'static [&'static str],
    /// What a reference may point at.
    pub reference_types: &'static [&'static str],
    /// Human description.
    pub description: &'static str,
}

const fn attr(name: &'static str, kind: AttrType, description: &'static str) -> AttributeDef {
    AttributeDef {
        name,
        kind,
        multi_valued: false,
        required: false,
        case_exact: false,
        mutability: Mutability::ReadWrite,
        returned: Returned::Default,
        uniqueness: "none",
        sub_attributes: &[],
        canonical_values: &[],
        reference_types: &[],
        description,
    }
}

impl AttributeDef {
    const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    const fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    const fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    const fn unique(mut self) -> Self {
        self.uniqueness = "server";
        self
    }
    const fn subs(mut self, subs: &'static [AttributeDef]) -> Self {
        self.sub_attributes = subs;
        self
    }
    const fn canon(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }
    const fn refs(mut self, types: &'static [&'static str]) -> Self {
        self.reference_types = types;
        self
    }

    /// Finds a sub-attribute by name, case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Whether a client may write it at all.
    pub fn is_read_only(&self) -> bool {
        self.mutability == Mutability::ReadOnly
    }

    /// The RFC 7643 §7 representation used by `/Schemas`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("type".into(), json!(self.kind.as_str()));
        m.insert("multiValued".into(), json!(self.multi_valued));
        m.insert("description".into(), json!(self.description));
        m.insert("required".into(), json!(self.required));
        if !self.canonical_values.is_empty() {
            m.insert("canonicalValues".into(), json!(self.canonical_values));
        }
        if matches!(
            self.kind,
            AttrType::String | AttrType::Reference | AttrType::Binary
        ) {
            m.insert("caseExact".into(), json!(self.case_exact));
        }
        m.insert(
            "mutability".into(),
            json!(match self.mutability {
                Mutability::ReadOnly => "readOnly",
                Mutability::ReadWrite => "readWrite",
                Mutability::Immutable => "immutable",
                Mutability::WriteOnly => "writeOnly",
            }),
        );
        m.insert(
            "returned".into(),
            json!(match self.returned {
                Returned::Always => "always",
                Returned::Never => "never",
                Returned::Default => "default",
                Returned::Request => "request",
            }),
        );
        if self.kind != AttrType::Complex && self.kind != AttrType::Boolean {
            m.insert("uniqueness".into(), json!(self.uniqueness));
        }
        if !self.reference_types.is_empty() {
            m.insert("referenceTypes".into(), json!(self.reference_types));
        }
        if !self.sub_attributes.is_empty() {
            m.insert(
                "subAttributes".into(),
                Value::Array(self.sub_attributes.iter().map(|a| a.to_json()).collect()),
            );
        }
        Value::Object(m)
    }
}

use AttrType::{Binary, Boolean, Complex, DateTime, Reference, String as Str};
use Mutability::{Immutable, ReadOnly, WriteOnly};

const TYPE_WORK_HOME_OTHER: &[&str] = &["work", "home", "other"];

/// value/display/type/primary, the shape of most multi-valued attributes.
macro_rules! multi_subs {
    ($value_kind:expr, $types:expr) => {
        &[
            attr("value", $value_kind, "The attribute's significant value."),
            attr(
                "display",
                Str,
                "A human-readable name, primarily for display.",
            ),
            attr("type", Str, "A label indicating the attribute's function.").canon($types),
            attr(
                "primary",
                Boolean,
                "Whether this is the primary or preferred value; at most one is true.",
            ),
        ]
    };
}

/// Attributes every resource carries (RFC 7643 §3.1).
pub const COMMON_ATTRIBUTES: &[AttributeDef] = &[
    attr(
        "id",
        Str,
        "Unique identifier assigned by the service provider.",
    )
    .case_exact()
    .mutability(ReadOnly)
    .returned(Returned::Always)
    .unique(),
    attr(
        "externalId",
        Str,
        "Identifier assigned by the provisioning client.",
    )
    .case_exact(),
    attr("meta", Complex, "Resource metadata.")
        .mutability(ReadOnly)
        .subs(&[
            attr("resourceType", Str, "The name of the resource type.")
                .case_exact()
                .mutability(ReadOnly),
            attr("created", DateTime, "When the resource was added.").mutability(ReadOnly),
            attr(
                "lastModified",
                DateTime,
                "When the resource was last changed.",
            )
            .mutability(ReadOnly),
            attr("location", Reference, "The URI of the resource.")
                .case_exact()
                .mutability(ReadOnly)
                .refs(&["uri"]),
            attr("version", Str, "The version (ETag) of the resource.")
                .case_exact()
                .mutability(ReadOnly),
        ]),
];

const USER_ATTRIBUTES: &[AttributeDef] = &[
    attr(
        "userName",
        Str,
        "Unique identifier for the User, used to sign in.",
    )
    .required()
    .unique(),
    attr("name", Complex, "The components of the user's real name.").subs(&[
        attr("formatted", Str, "The full name, formatted for display."),
        attr("familyName", Str, "The family name."),
        attr("givenName", Str, "The given name."),
        attr("middleName", Str, "The middle name(s)."),
        attr("honorificPrefix", Str, "The honorific prefix(es)."),
        attr("honorificSuffix", Str, "The honorific suffix(es)."),
    ]),
    attr(
        "displayName",
        Str,
        "The name of the User, suitable for display.",
    ),
    attr("nickName", Str, "The casual way to address the user."),
    attr(
        "profileUrl",
        Reference,
        "A URI of the user's online profile.",
    )
    .refs(&["external"]),
    attr("title", Str, "The user's title."),
    attr("userType", Str, "The relationship to the organization."),
    attr(
        "preferredLanguage",
        Str,
        "The preferred written or spoken language.",
    ),
    attr(
        "locale",
        Str,
        "The default location, for localizing output.",
    ),
    attr("timezone", Str, "The time zone, in IANA format."),
    attr("active", Boolean, "The user's administrative status."),
    attr(
        "password",
        Str,
        "The user's cleartext password; never returned.",
    )
    .mutability(WriteOnly)
    .returned(Returned::Never),
    attr("emails", Complex, "Email addresses.")
        .multi()
        .subs(multi_subs!(Str, TYPE_WORK_HOME_OTHER)),
    attr("phoneNumbers", Complex, "Phone numbers.")
        .multi()
        .subs(multi_subs!(
            Str,
            &["work", "home", "mobile", "fax", "pager", "other"]
        )),
    attr("ims", Complex, "Instant messaging addresses.")
        .multi()
        .subs(multi_subs!(
            Str,
            &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]
        )),
    attr("photos", Complex, "URLs of photos of the user.")
        .multi()
        .subs(multi_subs!(Reference, &["photo", "thumbnail"])),
    attr("addresses", Complex, "Physical mailing addresses.")
        .multi()
        .subs(&[
            attr("formatted", Str, "The full mailing address."),
            attr("streetAddress", Str, "The street address."),
            attr("locality", Str, "The city or locality."),
            attr("region", Str, "The state or region."),
            attr("postalCode", Str, "The postal code."),
            attr("country", Str, "The country, ISO 3166-1 alpha-2."),
            attr("type", Str, "A label indicating the address's function.")
                .canon(TYPE_WORK_HOME_OTHER),
            attr("primary", Boolean, "Whether this is the primary address."),
        ]),
    attr(
        "groups",
        Complex,
        "The groups the user belongs to; managed through Group resources.",
    )
    .multi()
    .mutability(ReadOnly)
    .subs(&[
        attr("value", Str, "The id of the group.").mutability(ReadOnly),
        attr("$ref", Reference, "The URI of the group.")
            .mutability(ReadOnly)
            .refs(&["User", "Group"]),
        attr("display", Str, "The name of the group.").mutability(ReadOnly),
        attr("type", Str, "direct or indirect membership.")
            .mutability(ReadOnly)
            .canon(&["direct", "indirect"]),
    ]),
    attr("entitlements", Complex, "Entitlements of the user.")
        .multi()
        .subs(multi_subs!(Str, &[])),
    attr("roles", Complex, "Roles of the user.")
        .multi()
        .subs(multi_subs!(Str, &[])),
    attr(
        "x509Certificates",
        Complex,
        "X.509 certificates of the user.",
    )
    .multi()
    .subs(multi_subs!(Binary, &[])),
];

const GROUP_ATTRIBUTES: &[AttributeDef] = &[
    attr("displayName", Str, "A human-readable name for the Group.")
        .required()
        .unique(),
    attr("members", Complex, "The members of the Group.")
        .multi()
        .subs(&[
            attr("value", Str, "The id of the member.")
                .case_exact()
                .mutability(Immutable),
            attr("$ref", Reference, "The URI of the member.")
                .mutability(Immutable)
                .refs(&["User", "Group"]),
            attr("display", Str, "The member's name, for display."),
            attr("type", Str, "User or Group.")
                .mutability(Immutable)
                .canon(&["User", "Group"]),
        ]),
];

const ENTERPRISE_USER_ATTRIBUTES: &[AttributeDef] = &[
    attr("employeeNumber", Str, "The employee number."),
    attr("costCenter", Str, "The cost center."),
    attr("organization", Str, "The organization."),
    attr("division", Str, "The division."),
    attr("department", Str, "The department."),
    attr("manager", Complex, "The user's manager.").subs(&[
        attr("value", Str, "The id of the manager's User."),
        attr("$ref", Reference, "The URI of the manager's User.").refs(&["User"]),
        attr("displayName", Str, "The manager's display name.").mutability(ReadOnly),
    ]),
];

/// A schema: an id and its attributes.
#[derive(Debug)]
pub struct SchemaDef {
    /// The schema URN.
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// Human description.
    pub description: &'static str,
    /// The attributes (the common ones are not repeated here).
    pub attributes: &'static [AttributeDef],
}

impl SchemaDef {
    /// Finds a top-level attribute by name, case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The RFC 7643 §7 representation.
    pub fn to_json(&self, base_url: &str) -> Value {
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().map(AttributeDef::to_json).collect::<Vec<_>>(),
            "meta": {
                "resourceType": "Schema",
                "location": format!("{base_url}/Schemas/{}", self.id),
            },
        })
    }
}

/// The core User schema.
pub static USER: SchemaDef = SchemaDef {
    id: USER_SCHEMA,
    name: "User",
    description: "User Account",
    attributes: USER_ATTRIBUTES,
};

/// The core Group schema.
pub static GROUP: SchemaDef = SchemaDef {
    id: GROUP_SCHEMA,
    name: "Group",
    description: "Group",
    attributes: GROUP_ATTRIBUTES,
};

/// The enterprise User extension.
pub static ENTERPRISE_USER: SchemaDef = SchemaDef {
    id: ENTERPRISE_USER_SCHEMA,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: ENTERPRISE_USER_ATTRIBUTES,
};

static USER_EXTENSIONS: [&SchemaDef; 1] = [&ENTERPRISE_USER];

/// Every schema `/Schemas` lists.
pub static ALL_SCHEMAS: [&SchemaDef; 3] = [&USER, &GROUP, &ENTERPRISE_USER];

/// The two resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `/Users`
    User,
    /// `/Groups`
    Group,
}

/// Where an attribute lives: in the core schema (top level) or under an extension URN key.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedAttr {
    /// The schema that defines it.
    pub schema: &'static SchemaDef,
    /// The definition.
    pub def: &'static AttributeDef,
    /// Whether it lives under the schema URN key rather than at the top level.
    pub in_extension: bool,
}

impl ResourceKind {
    /// This kind alone, as a list of kinds.
    pub fn alone(self) -> &'static [ResourceKind] {
        match self {
            ResourceKind::User => &[ResourceKind::User],
            ResourceKind::Group => &[ResourceKind::Group],
        }
    }

    /// The resource type name (`meta.resourceType`).
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }

    /// The endpoint below the base URL.
    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "/Users",
            ResourceKind::Group => "/Groups",
        }
    }

    /// The core schema.
    pub fn core_schema(self) -> &'static SchemaDef {
        match self {
            ResourceKind::User => &USER,
            ResourceKind::Group => &GROUP,
        }
    }

    /// The extension schemas this type allows.
    pub fn extensions(self) -> &'static [&'static SchemaDef] {
        match self {
            ResourceKind::User => &USER_EXTENSIONS,
            ResourceKind::Group => &[],
        }
    }

    /// Finds the extension whose URN is `urn`, case-insensitively.
    pub fn extension(self, urn: &str) -> Option<&'static SchemaDef> {
        self.extensions()
            .iter()
            .copied()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Resolves an attribute name, optionally qualified by a schema URN, case-insensitively.
    /// `None` for an attribute no schema of this type defines.
    pub fn resolve(self, urn: Option<&str>, name: &str) -> Option<ResolvedAttr> {
        let core = self.core_schema();
        match urn {
            None => {
                if let Some(def) = COMMON_ATTRIBUTES
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(name))
                {
                    return Some(ResolvedAttr {
                        schema: core,
                        def,
                        in_extension: false,
                    });
                }
                core.attribute(name).map(|def| ResolvedAttr {
                    schema: core,
                    def,
                    in_extension: false,
                })
            }
            Some(urn) if urn.eq_ignore_ascii_case(core.id) => self.resolve(None, name),
            Some(urn) => {
                let schema = self.extension(urn)?;
                schema.attribute(name).map(|def| ResolvedAttr {
                    schema,
                    def,
                    in_extension: true,
                })
            }
        }
    }

    /// The `/ResourceTypes` entry.
    pub fn resource_type_json(self, base_url: &str) -> Value {
        let extensions: Vec<Value> = self
            .extensions()
            .iter()
            .map(|s| json!({"schema": s.id, "required": false}))
            .collect();
        let mut v = json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": self.name(),
            "name": self.name(),
            "endpoint": self.endpoint(),
            "description": self.core_schema().description,
            "schema": self.core_schema().id,
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base_url}/ResourceTypes/{}", self.name()),
            },
        });
        if !extensions.is_empty() {
            v["schemaExtensions"] = Value::Array(extensions);
        }
        v
    }
}

/// Finds a schema by its URN, case-insensitively.
pub fn schema_by_id(id: &str) -> Option<&'static SchemaDef> {
    ALL_SCHEMAS
        .iter()
        .copied()
        .find(|s| s.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_case_insensitively_with_and_without_urn() {
        let r = ResourceKind::User.resolve(None, "USERNAME").unwrap();
        assert_eq!(r.def.name, "userName");
        assert!(!r.in_extension);
        let r = ResourceKind::User
            .resolve(Some(USER_SCHEMA), "emails")
            .unwrap();
        assert!(r.def.multi_valued);
        let r = ResourceKind::User
            .resolve(Some(&ENTERPRISE_USER_SCHEMA.to_uppercase()), "department")
            .unwrap();
        assert!(r.in_extension);
        assert!(ResourceKind::Group.resolve(None, "userName").is_none());
        assert!(
            ResourceKind::Group
                .resolve(None, "ID")
                .unwrap()
                .def
                .case_exact
        );
    }

    #[test]
    fn schema_json_lists_sub_attributes() {
        let v = USER.to_json("http://x/scim/v2");
        let emails = v["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "emails")
            .unwrap();
        assert_eq!(emails["multiValued"], true);
        assert_eq!(emails["subAttributes"].as_array().unwrap().len(), 4);
    }
}
