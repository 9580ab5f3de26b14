"""Schemathesis against the OpenAPI document of a seeded, authenticated server: no 5xx and no
response that breaks its own schema. usage: fuzz.py BINARY WORKDIR [MAX_EXAMPLES]"""
import os, subprocess, sys, tempfile

from common import prepare, fresh_database

binary, workdir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
examples = sys.argv[3] if len(sys.argv) > 3 else "25"
os.makedirs(workdir, exist_ok=True)
database = fresh_database("sqlite", workdir, "fuzz")
server, token = prepare(binary, database, 18091, workdir)
try:
    server.cli("demo", "seed", "--workspace", "demo", "--scale", "small", "--database-url", database)
    # Every workspace path goes to the seeded demo workspace, so requests reach real records.
    config = os.path.join(workdir, "schemathesis.toml")
    with open(config, "w") as f:
        f.write('[parameters]\n"path.slug" = "demo"\n')
    command = ["schemathesis", "--config-file", config, "run", f"{server.base}/api/v1/openapi.json", "--url", server.base,
               "-H", f"Authorization: Bearer {token}",
               "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance",
               "--max-examples", examples, "--seed", "20261122", "--workers", "1", "--phases", "examples,coverage,fuzzing",
               "--suppress-health-check", "all", "--warnings", "off"]
    print(" ".join(c if "Bearer" not in c else "Authorization: Bearer ***" for c in command), flush=True)
    result = subprocess.run(command)
    sys.exit(result.returncode)
finally:
    server.stop()
