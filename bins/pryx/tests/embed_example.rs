//! Runs `examples/embed.rs`: another program embedding the host with its own adapters.

#[allow(dead_code)]
#[path = "../examples/embed.rs"]
mod embed;

#[tokio::test]
async fn the_embedding_example_serves_and_uses_its_own_adapters() {
    let dir = tempfile::tempdir().unwrap();
    let answer = embed::run_embedded(dir.path()).await.unwrap();
    assert_eq!(answer["model_name"], "embedded");
    assert_eq!(
        answer["health"]["ports"]["telemetry"]["adapter"],
        "my-telemetry"
    );
    assert_eq!(answer["health"]["ports"]["config"]["adapter"], "file");
    let written = std::fs::read_to_string(dir.path().join("config.yaml")).unwrap();
    assert!(written.contains("model_name: embedded"), "{written}");
}
