//! `okscim schema`: the JSON Schema of the scenario format.

use crate::exit;

/// Prints the schema.
pub fn run() -> u8 {
    match serde_json::to_string_pretty(&crate::scenario::json_schema()) {
        Ok(text) => {
            println!("{text}");
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::USAGE
        }
    }
}
