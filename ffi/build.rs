// The shared library's SONAME: `libcallseal.so.MAJOR` from 1.0 on, and `libcallseal.so.0.MINOR`
// before (where a minor version may change the ABI), as cargo-c names them.
fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let soname = if major == "0" {
        format!("libcallseal.so.0.{minor}")
    } else {
        format!("libcallseal.so.{major}")
    };
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
