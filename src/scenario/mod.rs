//! The scenario file format: model, loader (the only place YAML is parsed), templates.
//!
//! The format is documented in `docs/scenario-format.md`; its JSON Schema is
//! [`json_schema`]. Load one file with [`load`], or every file under some paths with
//! [`load_all`]; both return every problem found, each with `file:line:column`.

mod bundled;
mod discovery;
mod load;
mod model;
mod node;
mod reader;
mod schema;
mod suggestion;
mod template;

pub use bundled::{BUNDLED, load_bundled};
pub use discovery::{discover, load_all};
pub use load::{load, load_str};
pub use model::{
    Advisory, AppKind, AppOptions, Assertions, Auth, Expect, GroupFixture, JsonFile, JsonPathExpr,
    JsonType, Method, OktaAction, Outcome, Position, ReadTarget, Request, RequestHeaders, Scenario,
    Step, StepKind, UserFixture, UserStatus,
};
pub use schema::json_schema;
pub use template::{Part, Template, TemplateSyntaxError, Vars, is_alias, render_value};
