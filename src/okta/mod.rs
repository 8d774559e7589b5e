//! The simulated Okta: its state (users, groups, assignments, push links) and the exact SCIM
//! requests each admin action produces, for OIN (PATCH) and AIW (PUT) apps.

mod app;
mod engine;
mod org;
mod purpose;
pub mod ratelimit;
mod wire;

pub use app::{
    AppKind, DEFAULT_CONCURRENCY, FilterEncoding, HeaderStyle, ImportPaging, OktaOptions,
    PasswordPatch,
};
pub use engine::{ActionRecord, OktaEngine, ScenarioMistake};
pub use org::{OktaGroup, OktaOrg, OktaUser, UserStatus, okta_id, placeholder_password};
pub use purpose::Purpose;
pub use wire::{
    Member, PatchOperation, PatchValue, SPEC_TEST_USER_AGENT, Wire, encode_path_segment,
    spec_test_headers,
};
