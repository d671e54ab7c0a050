//! The production guide and the deployment example name only settings the server reads.

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_production_guide_and_the_compose_file_name_only_variables_the_server_reads() {
    let readme = repo_file("README.md");
    for path in [
        "docs/production.md",
        "deploy/docker-compose.yml",
        "deploy/example.env",
    ] {
        let text = repo_file(path);
        let named: Vec<&str> = text
            .split(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .filter(|w| w.starts_with("PRAKERJA_"))
            .collect();
        assert!(!named.is_empty(), "{path} names no PRAKERJA_ variable");
        for var in named {
            assert!(
                readme.contains(&format!("`{var}`")),
                "{path} names {var}, which README's Configuration table does not list"
            );
        }
    }
}
