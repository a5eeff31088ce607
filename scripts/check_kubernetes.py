"""Checks deploy/kubernetes manifests: they parse, carry the fields kb4-events relies on, and (when the
kubernetes-validate package is installed; its schemas ship with it, no network) validate strictly against the
Kubernetes schemas. Writes each account's pipeline file to OUT/pipeline-ACCOUNT.yaml for the binary to check.

    python3 scripts/check_kubernetes.py OUT FILE:ACCOUNT[,ACCOUNT…] … [--indexed FILE …]

FILE:ACCOUNT… is a CronJob per account (kb4-events-example.yaml, stamp-accounts.sh); --indexed FILE an Indexed Job
over a ConfigMap of pipeline files 0.yaml … N-1.yaml (kb4-events-indexed-job.yaml), written as OUT/pipeline-N.yaml.
"""

import re
import sys

import yaml

# Exit codes a retry cannot help (README, "Many accounts"): usage, quota or lock, key or region, configuration.
NO_RETRY = {64, 75, 77, 78}
# What `--account` and a pipeline file's `name` accept (AccountName.problem in the Swift sources).
ACCOUNT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

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
    if cron["metadata"]["name"] != name:
        fail(f"{account}: CronJob name is {cron['metadata']['name']!r}, expected {name!r}")
    job = check_cron(cron, account)
    if not isinstance(job.get("backoffLimit"), int):
        fail(f"{account}: no backoffLimit")
    container = check_pod(job, account, action="FailJob")
    env = {e["name"]: e for e in container.get("env", [])}
    key = env.get("KB4_EVENTS_API_KEY", {}).get("valueFrom", {}).get("secretKeyRef", {})
    if key.get("name") != name or key.get("key") != "KB4_EVENTS_API_KEY":
        fail(f"{account}: KB4_EVENTS_API_KEY does not come from Secret {name}")
    args = container["args"]
    if "--out" not in args:
        fail(f"{account}: args {args} have no --out")
    lake_path = args[args.index("--out") + 1]
    _, pipeline_file = pipeline_mount(job, account, config)
    if pipeline_file not in config["data"]:
        fail(f"{account}: the ConfigMap has no {pipeline_file}")
    claim_ref = volume_at(job, lake_path).get("persistentVolumeClaim", {}).get("claimName")
    if claim_ref != claim["metadata"]["name"]:
        fail(f"{account}: the lake {lake_path} is not the PersistentVolumeClaim {claim['metadata']['name']}")
    pipeline = yaml.safe_load(config["data"][pipeline_file])
    if pipeline.get("source", {}).get("api_key_env") != "KB4_EVENTS_API_KEY":
        fail(f"{account}: the pipeline reads the key from another variable")
    if pipeline.get("name") != account:
        fail(f"{account}: the pipeline's name (its metrics' account label) is {pipeline.get('name')!r}")
    if metrics_file(job, account) != f"kb4_events_{account}.prom":
        fail(f"{account}: the metrics file is not kb4_events_{account}.prom")
    with open(f"{out}/pipeline-{account}.yaml", "w") as f:
        f.write(config["data"][pipeline_file])


def check_cron(cron, what):
    """A nightly CronJob in UTC that never runs two nights at once; returns its Job spec."""
    spec = cron["spec"]
    for key, want in (("concurrencyPolicy", "Forbid"), ("timeZone", "Etc/UTC")):
        if spec.get(key) != want:
            fail(f"{what}: {key} is {spec.get(key)!r}, expected {want!r}")
    if not isinstance(spec.get("startingDeadlineSeconds"), int):
        fail(f"{what}: no startingDeadlineSeconds")
    return spec["jobTemplate"]["spec"]


def container_of(job):
    (container,) = job["template"]["spec"]["containers"]
    return container


def volume_at(job, path):
    """The pod's volume mounted at `path` ({} when none)."""
    mounts = {m["mountPath"]: m["name"] for m in container_of(job)["volumeMounts"]}
    volumes = {v["name"]: v for v in job["template"]["spec"]["volumes"]}
    return volumes.get(mounts.get(path), {})


def check_pod(job, what, action):
    """What every kb4-events Job needs: no retry on NO_RETRY (by `action`), evictions ignored, a non-root pod that
    does not restart in place, memory bounds, keys only from Secrets, a `sync`. Returns the one container."""
    rules = job.get("podFailurePolicy", {}).get("rules", [])
    no_retry = [r for r in rules if r.get("action") == action]
    if not no_retry or not NO_RETRY <= set(no_retry[0]["onExitCodes"]["values"]):
        fail(f"{what}: podFailurePolicy does not stop retries ({action}) on exit {sorted(NO_RETRY)}")
    if not any(r.get("action") == "Ignore" and r.get("onPodConditions", [{}])[0].get("type") == "DisruptionTarget"
               for r in rules):
        fail(f"{what}: podFailurePolicy does not ignore evictions (DisruptionTarget)")
    pod = job["template"]["spec"]
    if pod.get("restartPolicy") != "Never" or not pod.get("securityContext", {}).get("runAsNonRoot"):
        fail(f"{what}: the pod must not restart in place and must run as non-root")
    container = container_of(job)
    if any("value" in e for e in container.get("env", [])):
        fail(f"{what}: a literal env value in the manifest (keys belong in Secrets)")
    resources = container.get("resources", {})
    if not resources.get("requests", {}).get("memory") or not resources.get("limits", {}).get("memory"):
        fail(f"{what}: memory request and limit are required")
    args = container["args"]
    if args[:1] != ["sync"] or "--pipeline" not in args:
        fail(f"{what}: args {args} are not a sync with --pipeline")
    return container


def pipeline_mount(job, what, config):
    """(directory, file name) of --pipeline; the directory must be the ConfigMap `config`."""
    args = container_of(job)["args"]
    pipeline_dir, _, pipeline_file = args[args.index("--pipeline") + 1].rpartition("/")
    if volume_at(job, pipeline_dir).get("configMap", {}).get("name") != config["metadata"]["name"]:
        fail(f"{what}: {pipeline_dir} is not the ConfigMap {config['metadata']['name']}")
    return pipeline_dir, pipeline_file


def metrics_file(job, what):
    """The name of --metrics-file, checked to be a .prom file in a hostPath directory (node_exporter's textfile
    directory on the node)."""
    args = container_of(job)["args"]
    if "--metrics-file" not in args:
        fail(f"{what}: no --metrics-file (node_exporter's textfile directory)")
    directory, _, name = args[args.index("--metrics-file") + 1].rpartition("/")
    if not volume_at(job, directory).get("hostPath", {}).get("path") or not name.endswith(".prom"):
        fail(f"{what}: --metrics-file is not a .prom file in a hostPath directory (node_exporter's textfile directory)")
    return name


def check_indexed(docs, out):
    """An Indexed Job over a ConfigMap of pipeline files 0.yaml … N-1.yaml: pod N reads N.yaml through Kubernetes'
    $(JOB_COMPLETION_INDEX) substitution in args (no shell), its key from a Secret through envFrom and the file's
    source.api_key_env, its lake s3://BUCKET/accounts/NAME/; every index's pipeline is written to OUT for the binary."""
    (config,) = [d for d in docs if d["kind"] == "ConfigMap"]
    what = "indexed"
    jobs = [check_cron(d, what) if d["kind"] == "CronJob" else d["spec"] for d in docs if d["kind"] in ("CronJob", "Job")]
    if len(jobs) != 1:
        fail(f"{what}: expected one CronJob or Job, found {len(jobs)}")
    job = jobs[0]
    n = job.get("completions")
    if job.get("completionMode") != "Indexed" or not isinstance(n, int) or n < 1:
        fail(f"{what}: not an Indexed Job with completions")
    if sorted(config["data"]) != sorted(f"{i}.yaml" for i in range(n)):
        fail(f"{what}: the ConfigMap's files {sorted(config['data'])} are not 0.yaml … {n - 1}.yaml (completions {n})")
    if not isinstance(job.get("parallelism"), int) or not 1 <= job["parallelism"] <= n:
        fail(f"{what}: parallelism must be 1 … completions")
    if not isinstance(job.get("backoffLimitPerIndex"), int):
        fail(f"{what}: no backoffLimitPerIndex (each account retried on its own)")
    if "maxFailedIndexes" in job and not 0 < job["maxFailedIndexes"] <= n:
        fail(f"{what}: maxFailedIndexes must be 1 … completions")
    container = check_pod(job, what, action="FailIndex")
    env = {e["name"]: e for e in container.get("env", [])}
    field = env.get("JOB_COMPLETION_INDEX", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
    if "JOB_COMPLETION_INDEX" in env and field != "metadata.annotations['batch.kubernetes.io/job-completion-index']":
        fail(f"{what}: JOB_COMPLETION_INDEX is not the pod's completion index")
    secrets = [e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e]
    if not secrets:
        fail(f"{what}: no Secret of API keys under envFrom")
    pipeline_dir, pipeline_file = pipeline_mount(job, what, config)
    if pipeline_file != "$(JOB_COMPLETION_INDEX).yaml":
        fail(f"{what}: --pipeline is not {pipeline_dir}/$(JOB_COMPLETION_INDEX).yaml")
    if "$(JOB_COMPLETION_INDEX)" not in metrics_file(job, what):
        fail(f"{what}: the metrics file is not one per index (kb4_events_$(JOB_COMPLETION_INDEX).prom)")
    if "--out" in container["args"] or "--account" in container["args"]:
        fail(f"{what}: --out or --account in args would give every index the same lake or label")
    names, key_envs, buckets = set(), set(), set()
    for i in range(n):
        text = config["data"][f"{i}.yaml"]
        pipeline = yaml.safe_load(text)
        name = pipeline.get("name")
        if not isinstance(name, str) or not ACCOUNT_NAME.fullmatch(name) or name in names:
            fail(f"{what}: {i}.yaml: name {name!r} is missing, not an account name, or another index's")
        names.add(name)
        key_env = pipeline.get("source", {}).get("api_key_env")
        if not key_env or key_env == "KB4_EVENTS_API_KEY" or key_env in key_envs:
            fail(f"{what}: {i}.yaml: source.api_key_env {key_env!r} is not the account's own variable")
        key_envs.add(key_env)
        lake = re.fullmatch(r"s3://([a-z0-9.-]+)/accounts/([^/]+)/?", str(pipeline.get("output", {}).get("dir")))
        if not lake or lake.group(2) != name:
            fail(f"{what}: {i}.yaml: output.dir is not s3://BUCKET/accounts/{name}/")
        buckets.add(lake.group(1))
        with open(f"{out}/pipeline-{i}.yaml", "w") as f:
            f.write(text)
    if len(buckets) != 1:
        fail(f"{what}: the accounts' lakes are in several buckets {sorted(buckets)}")
    return n


def validate(path):
    """The documents of `path`, each validated strictly against the Kubernetes schemas when the package is there."""
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    if kubernetes_validate:
        for doc in docs:
            try:
                kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as e:
                fail(f"{path}: {doc['kind']} {doc['metadata']['name']}: {e.message} at {list(e.path)}")
    return docs


def main():
    global kubernetes_validate
    out, specs = sys.argv[1], sys.argv[2:]
    try:
        import kubernetes_validate
    except ImportError:
        kubernetes_validate = None
        print("check-deploy: kubernetes-validate is not installed: fields checked, schemas not", file=sys.stderr)
    strict = f", valid for Kubernetes {KUBERNETES_VERSION} (strict)" if kubernetes_validate else ""
    indexed = False
    for spec in specs:
        if spec == "--indexed":
            indexed = True
            continue
        if indexed:
            docs = validate(spec)
            n = check_indexed(docs, out)
            print(f"check-deploy: {spec}: {len(docs)} manifests checked, an Indexed Job over {n} accounts{strict}")
            indexed = False
            continue
        path, _, accounts = spec.rpartition(":")
        docs = validate(path)
        for account in accounts.split(","):
            check_account(docs, account, out)
        print(f"check-deploy: {path}: {len(docs)} manifests checked for {accounts}{strict}")


main()
