"""The typical unit test of ops-testing's `unit_test` benchmark, written for Python ops 2.1.1's
Harness: create the harness, begin, add a relation, update its remote data, read the status.

Run by scripts/unit-test-bench with a Python that has ops 2.1.1; prints the median time of one test
in microseconds. Same charm (the ops-testing `testcharm` fixture's metadata, config and actions) and
same handler as the Rust benchmark in ops-testing/benches/unit_test.rs.
"""

import pathlib
import statistics
import sys
import timeit

import ops
from ops.charm import CharmBase
from ops.framework import StoredState
from ops.model import ActiveStatus, WaitingStatus
from ops.testing import Harness

FIXTURE = pathlib.Path(sys.argv[1])
META = (FIXTURE / "metadata.yaml").read_text()
CONFIG = (FIXTURE / "config.yaml").read_text()
ACTIONS = (FIXTURE / "actions.yaml").read_text()


class BenchCharm(CharmBase):
    _stored = StoredState()

    def __init__(self, *args):
        super().__init__(*args)
        self._stored.set_default(changes=0)
        self.framework.observe(self.on.db_relation_changed, self._on_db_changed)

    def _on_db_changed(self, event):
        self._stored.changes += 1
        database = event.relation.data[event.app].get("database", "") if event.app else ""
        if not database:
            self.unit.status = WaitingStatus("waiting for a database")
            return
        event.relation.data[self.unit]["using"] = database
        self.unit.status = ActiveStatus(f"using {database}")


def harness_test():
    h = Harness(BenchCharm, meta=META, config=CONFIG, actions=ACTIONS)
    h.begin()
    rel = h.add_relation("db", "postgresql")
    h.update_relation_data(rel, "postgresql", {"database": "orders"})
    status = h.model.unit.status
    h.cleanup()
    return status


assert harness_test() == ActiveStatus("using orders"), harness_test()
assert ops.__version__ == "2.1.1", ops.__version__
number = 200
runs = [t / number for t in timeit.repeat(harness_test, number=number, repeat=7)]
print(f"{statistics.median(runs) * 1e6:.1f}")
