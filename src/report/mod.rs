//! Reporters: consumers of run events. The terminal reporter prints as scenarios finish; the
//! JUnit and JSON reporters write files at the end.

mod terminal;

pub use terminal::{TerminalReporter, summary_line};
