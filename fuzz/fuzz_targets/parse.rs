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
        match parse(&file, text, &options) {
            Ok(document) => {
                // The printer must handle whatever the parser accepts, and
                // its output must parse back to the same tree.
                let printed = document.to_string();
                match parse(&file, &printed, &options) {
                    Ok(again) => assert!(again == document, "printed document reads back differently:\n{printed}"),
                    Err(e) => panic!("printed document does not parse: {e}\n--- printed ---\n{printed}"),
                }
            }
            // Errors render with their line and caret whatever the input.
            Err(e) => drop(e.to_string()),
        }
    }
    let mut files = HashMap::new();
    files.insert("fuzz.thrift".to_string(), text.to_string());
    match Loader::new().load_map("fuzz.thrift", &files) {
        // Walk what later stages walk.
        Ok(schema) => drop(schema.to_json()),
        Err(e) => drop(e.to_string()),
    }
});
