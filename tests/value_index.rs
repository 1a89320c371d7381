//! Views answer "not set" for a field index the struct does not have, instead of panicking.

use thriftjit::layout::Layouts;
use thriftjit::schema::Schema;
use thriftjit::value::Message;

#[test]
fn an_index_past_the_last_field_is_not_set() {
    let schema = Schema::parse_str("t.thrift", "struct Empty {} struct One { 1: i32 x = 3 }").unwrap();
    let layouts = Layouts::new(schema.clone());
    let empty = Message::new(layouts.clone(), schema.struct_by_name("Empty").unwrap());
    assert!(!empty.root().is_set_index(0));
    assert!(empty.root().get_index(0).is_none());
    let one = Message::new(layouts, schema.struct_by_name("One").unwrap());
    assert!(one.root().get_index(0).is_some());
    assert!(one.root().get_index(1).is_none() && !one.root().is_set_index(64));
}
