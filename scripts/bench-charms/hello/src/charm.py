#!/usr/bin/env python3
"""The `hello` example (examples/hello/src/main.rs) written with Python ops 2.1.1, for
scripts/hook-overhead: the same handlers, the same statuses, the same deferral of
database-relation-changed while the provider has not published its endpoints."""

import pathlib

from ops.charm import CharmBase
from ops.framework import StoredState
from ops.main import main
from ops.model import ActiveStatus, WaitingStatus


class HelloCharm(CharmBase):
    _stored = StoredState()

    def __init__(self, *args):
        super().__init__(*args)
        self._stored.set_default(greetings=0)
        observe = self.framework.observe
        observe(self.on.config_changed, self._on_config_changed)
        observe(self.on.database_relation_changed, self._on_database_changed)
        observe(self.on.data_storage_attached, self._on_storage_attached)
        observe(self.on.greet_action, self._on_greet)

    def _on_config_changed(self, event):
        self.unit.status = ActiveStatus(f"{self.config['greeting']}, world")

    def _on_database_changed(self, event):
        if event.app is None:
            return
        endpoints = event.relation.data[event.app].get("endpoints")
        if endpoints is None:
            self.unit.status = WaitingStatus("waiting for the database")
            event.defer()
            return
        self.unit.status = ActiveStatus(f"db at {endpoints}")

    def _on_storage_attached(self, event):
        pathlib.Path(event.storage.location, "hello.txt").write_text("hello\n")

    def _on_greet(self, event):
        self._stored.greetings += 1
        event.set_results({"message": f"hello {event.params['who']}"})


if __name__ == "__main__":
    main(HelloCharm)
