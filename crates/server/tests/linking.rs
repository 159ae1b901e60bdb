//! A fresh machine needs no client libraries (issue 13): libpq and OpenSSL
//! are compiled into the binary (pq-sys `bundled`, openssl-sys `vendored`),
//! so it links neither the system libpq nor what libpq drags in (Kerberos,
//! LDAP, GnuTLS). Checked with `ldd`; skipped with a message without it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn the_binary_links_no_system_libpq() {
    let bin = env!("CARGO_BIN_EXE_workspace-server");
    let Ok(out) = Command::new("ldd").arg(bin).output() else {
        eprintln!("skipped: no ldd on this machine");
        return;
    };
    let libs = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "ldd failed: {libs}");
    for lib in [
        "libpq",
        "libkrb5",
        "libgssapi",
        "libldap",
        "libgnutls",
        "libssl",
    ] {
        assert!(
            !libs.contains(lib),
            "the binary links {lib} from the system:\n{libs}"
        );
    }
}
