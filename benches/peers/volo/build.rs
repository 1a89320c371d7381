//! Generates the Volo code for the two IDL files of `idl/` into `OUT_DIR`
//! (`volo_gen.rs`, included by `src/lib.rs`); nothing generated is committed.

fn main() {
    const IDLS: [&str; 2] = ["idl/thrifttest.thrift", "idl/echo.thrift"];
    for idl in IDLS {
        println!("cargo:rerun-if-changed={idl}");
    }
    IDLS.iter()
        .fold(volo_build::Builder::thrift(), |builder, idl| builder.add_service(idl))
        .write()
        .expect("volo-build could not generate code from idl/");
}
