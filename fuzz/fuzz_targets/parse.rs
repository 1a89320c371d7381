//! Fuzz target: arbitrary UTF-8 through the parser and through a one-file
//! load. Any input must give `Ok` or a positioned error, never a panic, a
//! stack overflow or a hang.

#![no_main]

use std::collections::HashMap;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use thriftjit::idl::{ParseOptions, parse};
use thriftjit::schema::Loader;

fuzz_target!(|text: &str| {
    let file: Arc<str> = Arc::from("fuzz.thrift");
    for multiline_literals in [false, true] {
        let options = ParseOptions { multiline_literals };
        if let Ok(document) = parse(&file, text, &options) {
            // The printer must handle whatever the parser accepts, and its
            // output must parse again.
            let printed = document.to_string();
            if let Err(e) = parse(&file, &printed, &options) {
                panic!("printed document does not parse: {e}\n--- printed ---\n{printed}");
            }
        }
    }
    let mut files = HashMap::new();
    files.insert("fuzz.thrift".to_string(), text.to_string());
    if let Ok(schema) = Loader::new().load_map("fuzz.thrift", &files) {
        // Walk what later stages walk.
        let _ = schema.to_json();
    }
});
