"""Checks deploy/kubernetes manifests: they parse, carry the fields kb4-events relies on, and (when the
kubernetes-validate package is installed; its schemas ship with it, no network) validate strictly against the
Kubernetes schemas. Writes each account's pipeline file to OUT/pipeline-ACCOUNT.yaml for the binary to check.

    python3 scripts/check_kubernetes.py OUT FILE:ACCOUNT[,ACCOUNT…] …
"""

import sys

import yaml

# The oldest Kubernetes these manifests are meant for: CronJob timeZone (GA 1.27), Job podFailurePolicy (GA 1.31).
KUBERNETES_VERSION = "1.31.0"


def fail(message):
    sys.exit(f"check-deploy: FAIL: kubernetes: {message}")


def check_account(docs, account, out):
    name = f"kb4-events-{account}"
    by_kind = {}
    for doc in docs:
        if doc.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/instance") == account:
            by_kind.setdefault(doc["kind"], []).append(doc)
    for kind in ("ConfigMap", "PersistentVolumeClaim", "CronJob"):
        if len(by_kind.get(kind, [])) != 1:
            fail(f"{account}: expected one {kind}, found {len(by_kind.get(kind, []))}")
    config, claim, cron = by_kind["ConfigMap"][0], by_kind["PersistentVolumeClaim"][0], by_kind["CronJob"][0]
    spec = cron["spec"]
    expect = {
        "CronJob name": (cron["metadata"]["name"], name),
        "concurrencyPolicy": (spec.get("concurrencyPolicy"), "Forbid"),
        "timeZone": (spec.get("timeZone"), "Etc/UTC"),
    }
    for what, (got, want) in expect.items():
        if got != want:
            fail(f"{account}: {what} is {got!r}, expected {want!r}")
    if not isinstance(spec.get("startingDeadlineSeconds"), int):
        fail(f"{account}: no startingDeadlineSeconds")
    job = spec["jobTemplate"]["spec"]
    if not isinstance(job.get("backoffLimit"), int):
        fail(f"{account}: no backoffLimit")
    no_retry = [r for r in job.get("podFailurePolicy", {}).get("rules", []) if r.get("action") == "FailJob"]
    if not no_retry or not {64, 75, 77, 78} <= set(no_retry[0]["onExitCodes"]["values"]):
        fail(f"{account}: podFailurePolicy does not stop retries on exit 64, 75, 77, 78")
    pod = job["template"]["spec"]
    if pod.get("restartPolicy") != "Never" or not pod.get("securityContext", {}).get("runAsNonRoot"):
        fail(f"{account}: the pod must not restart in place and must run as non-root")
    (container,) = pod["containers"]
    env = {e["name"]: e for e in container.get("env", [])}
    key = env.get("KB4_EVENTS_API_KEY", {}).get("valueFrom", {}).get("secretKeyRef", {})
    if key.get("name") != name or key.get("key") != "KB4_EVENTS_API_KEY":
        fail(f"{account}: KB4_EVENTS_API_KEY does not come from Secret {name}")
    if any("value" in e for e in container.get("env", [])):
        fail(f"{account}: a literal env value in the manifest (keys belong in Secrets)")
    resources = container.get("resources", {})
    if not resources.get("requests", {}).get("memory") or not resources.get("limits", {}).get("memory"):
        fail(f"{account}: memory request and limit are required")
    args = container["args"]
    if args[:1] != ["sync"] or "--pipeline" not in args or "--out" not in args:
        fail(f"{account}: args {args} are not a sync with --pipeline and --out")
    pipeline_path, lake_path = args[args.index("--pipeline") + 1], args[args.index("--out") + 1]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    pipeline_dir, _, pipeline_file = pipeline_path.rpartition("/")
    if volumes.get(mounts.get(pipeline_dir), {}).get("configMap", {}).get("name") != config["metadata"]["name"]:
        fail(f"{account}: {pipeline_dir} is not the ConfigMap {config['metadata']['name']}")
    if pipeline_file not in config["data"]:
        fail(f"{account}: the ConfigMap has no {pipeline_file}")
    claim_ref = volumes.get(mounts.get(lake_path), {}).get("persistentVolumeClaim", {}).get("claimName")
    if claim_ref != claim["metadata"]["name"]:
        fail(f"{account}: the lake {lake_path} is not the PersistentVolumeClaim {claim['metadata']['name']}")
    pipeline = yaml.safe_load(config["data"][pipeline_file])
    if pipeline.get("source", {}).get("api_key_env") != "KB4_EVENTS_API_KEY":
        fail(f"{account}: the pipeline reads the key from another variable")
    with open(f"{out}/pipeline-{account}.yaml", "w") as f:
        f.write(config["data"][pipeline_file])


def main():
    out, specs = sys.argv[1], sys.argv[2:]
    try:
        import kubernetes_validate
    except ImportError:
        kubernetes_validate = None
        print("check-deploy: kubernetes-validate is not installed: fields checked, schemas not", file=sys.stderr)
    for spec in specs:
        path, _, accounts = spec.rpartition(":")
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        for doc in docs:
            if kubernetes_validate:
                try:
                    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
                except kubernetes_validate.ValidationError as e:
                    fail(f"{path}: {doc['kind']} {doc['metadata']['name']}: {e.message} at {list(e.path)}")
        for account in accounts.split(","):
            check_account(docs, account, out)
        print(f"check-deploy: {path}: {len(docs)} manifests checked for {accounts}"
              + (f", valid for Kubernetes {KUBERNETES_VERSION} (strict)" if kubernetes_validate else ""))


main()
