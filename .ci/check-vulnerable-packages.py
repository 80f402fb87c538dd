"""Fails when a src/ package's restored graph (any target) holds a version with a known advisory.

`dotnet list package --vulnerable` needs the registry's vulnerability data, which the package source used here does
not serve, so the advisories that matter to this graph are listed here (add to them as advisories appear).
"""
import json
import pathlib
import sys

# package -> list of (first affected, first fixed) version ranges
ADVISORIES = {
    "system.text.json": [("6.0.0", "6.0.10"), ("8.0.0", "8.0.5")],            # CVE-2024-43485 / CVE-2024-30105
    "system.text.encodings.web": [("4.0.0", "4.5.1"), ("5.0.0", "5.0.1")],     # CVE-2021-26701
    "system.net.http": [("4.0.0", "4.3.4")],                                    # CVE-2018-8292
    "system.text.regularexpressions": [("4.0.0", "4.3.1")],                    # CVE-2019-0820
    "newtonsoft.json": [("0.0.0", "13.0.1")],                                   # GHSA-5crp-9r3c-p9vr
    "system.private.uri": [("4.0.0", "4.3.2")],                                 # CVE-2019-0657
}


def version(text):
    core = text.split("-")[0].split("+")[0]
    return tuple(int(part) for part in core.split("."))


def main(root):
    found = []
    assets = sorted(pathlib.Path(root, "src").glob("*/obj/project.assets.json"))
    if not assets:
        print("vulnerable-packages: no restored src/ projects found (run dotnet restore first)")
        return 1
    for path in assets:
        data = json.loads(path.read_text())
        for target, libraries in data["targets"].items():
            for key in libraries:
                name, _, ver = key.partition("/")
                for first, fixed in ADVISORIES.get(name.lower(), []):
                    if version(first) <= version(ver) < version(fixed):
                        found.append(f"{path.parent.parent.name} [{target}]: {name} {ver} (fixed in {fixed})")
    for line in found:
        print("vulnerable-packages: " + line)
    print(f"vulnerable-packages: {len(assets)} projects checked, {len(found)} vulnerable package(s)")
    return 1 if found else 0


sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
