//! thriftjit-runtime: the generic Thrift client/server runtime over the
//! `thriftjit` codecs, and the `thriftjit` command line.
#![forbid(unsafe_code)]

pub mod proto;
