"""Puts the Python code generated from ThriftTest.thrift on sys.path.

scripts/install-peers generates it with Debian's thrift-compiler into
target/peers/gen-py (relative to the repository root); THRIFTJIT_PEERS_GEN
names another directory. Shared by pycodec.py, py_server.py and py_client.py.
"""

import os
import sys

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_GEN_DIR = os.path.join(REPO_ROOT, "target", "peers", "gen-py")


def use_generated_code():
    """Adds the generated package `ThriftTest` to sys.path, or exits with a hint."""
    gen_dir = os.environ.get("THRIFTJIT_PEERS_GEN") or DEFAULT_GEN_DIR
    if not os.path.isfile(os.path.join(gen_dir, "ThriftTest", "ttypes.py")):
        prog = os.path.basename(sys.argv[0])
        sys.exit(f"{prog}: no generated ThriftTest code in {gen_dir}; run scripts/install-peers")
    sys.path.insert(0, gen_dir)
