//! Embeds `web/dist` (made by `scripts/build-web`) into the crate: one
//! `include_bytes!` per file, so the server and the agent carry the web app
//! in their one binary. Without a build the table is empty and the server
//! says how to make one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dist = manifest.join("../../web/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    println!("cargo:rerun-if-env-changed=DESKMATE_WEB_DIST");
    let dist = std::env::var_os("DESKMATE_WEB_DIST").map_or(dist, PathBuf::from);
    let mut files = Vec::new();
    collect(&dist, &dist, &mut files);
    files.sort();
    let mut table = String::from("&[\n");
    for (path, file) in &files {
        let _ = writeln!(
            table,
            "    Asset {{ path: {path:?}, bytes: include_bytes!({file:?}) }},",
            file = file.display()
        );
    }
    table.push(']');
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("assets.rs");
    let code =
        format!("/// Every file of the built web app.\npub static ASSETS: &[Asset] = {table};\n");
    if let Err(err) = std::fs::write(&out, code) {
        panic!("writing {}: {err}", out.display());
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let url = format!("/{}", relative.to_string_lossy().replace('\\', "/"));
            let absolute = path.canonicalize().unwrap_or(path);
            files.push((url, absolute));
        }
    }
}
