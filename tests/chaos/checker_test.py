#!/usr/bin/env python3
"""Unit tests of the chaos checker and the schedule generator on made-up histories: each property
passes a clean history and catches the one broken on purpose (the boundary that passes and the
one that fails), and every planted fault is caught. Runs in well under a second: no nodes."""
import random
import sys
import unittest

import checker
import schedule

H1, H2, H3 = "a" * 64, "b" * 64, "c" * 64


def clean():
    """Two nodes, one client: a donation acked by node 0, seen committed at height 2 on node 1."""
    history = [
        {"type": "head", "client": 0, "node": 0, "epoch": 0, "t": 0.1, "height": 1, "block_hash": H1},
        {"type": "write", "client": 0, "node": 0, "epoch": 0, "t": 0.2, "tx_id": "t1" * 32, "code": "c1",
         "kind": "donation", "result": "acked"},
        {"type": "head", "client": 0, "node": 0, "epoch": 0, "t": 0.3, "height": 2, "block_hash": H2},
        {"type": "tx", "client": 0, "node": 1, "epoch": 0, "t": 0.4, "tx_id": "t1" * 32, "status": "committed",
         "height": 2, "leaf": 0},
        {"type": "head", "client": 0, "node": 0, "epoch": 0, "t": 0.5, "height": 2, "block_hash": H2},
    ]
    view = {"height": 3, "hashes": {1: H1, 2: H2, 3: H3},
            "txs": {"t1" * 32: {"status": "committed", "height": 2, "leaf": 0}}, "stats": {"donated_fen": 5}}
    final = {0: dict(view, txs=dict(view["txs"])), 1: dict(view, txs=dict(view["txs"]))}
    audits = {0: {"audit_ok": True, "verify_state_ok": True, "detail": ""},
              1: {"audit_ok": True, "verify_state_ok": True, "detail": ""}}
    return history, final, audits, []


def props(found):
    return sorted({v.prop for v in found})


class CheckerTest(unittest.TestCase):
    def test_a_clean_history_has_no_violation(self):
        self.assertEqual(checker.check(*clean()), [])

    def test_a_fork_in_a_final_view_or_in_a_read_is_caught(self):
        h, f, a, e = clean()
        f[1]["hashes"][2] = H3
        self.assertEqual(props(checker.check(h, f, a, e)), ["fork"])
        h, f, a, e = clean()
        h.append({"type": "head", "client": 1, "node": 1, "epoch": 0, "t": 0.6, "height": 3, "block_hash": H1})
        self.assertEqual(props(checker.check(h, f, a, e)), ["fork"])

    def test_different_heads_or_totals_are_divergence(self):
        h, f, a, e = clean()
        f[1] = dict(f[1], height=2)
        self.assertEqual(props(checker.check(h, f, a, e)), ["diverged"])
        h, f, a, e = clean()
        f[1] = dict(f[1], stats={"donated_fen": 6})
        self.assertEqual(props(checker.check(h, f, a, e)), ["diverged"])

    def test_a_committed_tx_missing_or_moved_on_any_node_is_lost(self):
        h, f, a, e = clean()
        f[1]["txs"]["t1" * 32] = {"status": "absent", "height": None, "leaf": None}
        self.assertEqual(props(checker.check(h, f, a, e)), ["lost_committed"])
        f[0]["txs"]["t1" * 32] = {"status": "absent", "height": None, "leaf": None}  # and the acking node
        self.assertEqual(props(checker.check(h, f, a, e)), ["lost_acked", "lost_committed"])
        h, f, a, e = clean()
        f[1]["txs"]["t1" * 32] = {"status": "committed", "height": 3, "leaf": 0}
        self.assertEqual(props(checker.check(h, f, a, e)), ["lost_committed"])

    def test_an_acked_tx_may_vanish_only_if_its_node_lost_its_memory_after_the_ack(self):
        h, f, a, e = clean()
        h = [r for r in h if r["type"] != "tx"]
        for view in f.values():
            view["txs"]["t1" * 32] = {"status": "absent", "height": None, "leaf": None}
        self.assertEqual(props(checker.check(h, f, a, e)), ["lost_acked"])
        # killed at the ack's time (boundary: a restart at t >= ack) forgives it
        self.assertEqual(checker.check(h + [{"type": "restart", "node": 0, "t": 0.2, "why": "kill"}], f, a, e), [])
        # a restart before the ack does not
        self.assertEqual(props(checker.check([{"type": "restart", "node": 0, "t": 0.19, "why": "kill"}] + h, f, a, e)),
                         ["lost_acked"])
        # a typed rejection at block building is an outcome, not a loss
        f[0]["txs"]["t1" * 32] = {"status": "rejected", "height": None, "leaf": None}
        self.assertEqual(checker.check(h, f, a, e), [])

    def test_reads_going_back_on_one_node_are_caught_but_a_wipe_starts_a_new_epoch(self):
        h, f, a, e = clean()
        back = {"type": "head", "client": 0, "node": 0, "epoch": 0, "t": 0.7, "height": 1, "block_hash": H1}
        self.assertEqual(props(checker.check(h + [back], f, a, e)), ["nonmonotonic"])
        self.assertEqual(checker.check(h + [dict(back, epoch=1)], f, a, e), [])
        self.assertEqual(checker.check(h + [dict(back, client=1)], f, a, e), [])  # per client
        self.assertEqual(checker.check(h + [dict(back, height=2, block_hash=H2)], f, a, e), [])  # equal is fine
        gone = {"type": "tx", "client": 0, "node": 1, "epoch": 0, "t": 0.8, "tx_id": "t1" * 32, "status": "pending"}
        self.assertEqual(props(checker.check(h + [gone], f, a, e)), ["nonmonotonic"])

    def test_failed_audits_and_unexpected_exits_are_violations(self):
        h, f, a, e = clean()
        a[1] = dict(a[1], verify_state_ok=False, detail="state root mismatch")
        self.assertEqual(props(checker.check(h, f, a, e)), ["audit"])
        h, f, a, e = clean()
        self.assertEqual(props(checker.check(h, f, a, [{"node": 0, "t": 1.0, "code": -6, "why": "SIGABRT"}])), ["crash"])

    def test_every_planted_fault_is_caught(self):
        for fault in checker.PLANTS:
            h, f, a, e = clean()
            what = checker.plant(fault, h, f, a, random.Random(fault))
            self.assertIsNotNone(what, fault)
            self.assertNotEqual(checker.check(h, f, a, e), [], f"{fault}: {what}")

    def test_a_plant_with_nothing_to_corrupt_says_so(self):
        h, f, a, e = clean()
        h = [r for r in h if r["type"] not in ("tx", "receipt")]
        self.assertIsNone(checker.plant("drop-committed-tx", h, f, a, random.Random(1)))
        with self.assertRaises(ValueError):
            checker.plant("no-such-fault", h, f, a, random.Random(1))


class ScheduleTest(unittest.TestCase):
    def test_the_same_seed_gives_the_same_plan(self):
        a = schedule.make_plan(42, kills=20, partitions=5)
        b = schedule.make_plan(42, kills=20, partitions=5)
        self.assertEqual(a[0].describe(), b[0].describe())
        self.assertEqual([e.describe() for e in a[1]], [e.describe() for e in b[1]])
        self.assertNotEqual([e.describe() for e in a[1]],
                            [e.describe() for e in schedule.make_plan(43, kills=20, partitions=5)[1]])

    def test_plans_hold_their_counts_and_limits(self):
        for seed in range(200):
            topo, events = schedule.make_plan(seed, kills=100, partitions=20)
            counts = schedule.counts(events)
            self.assertEqual((counts["kill"], counts["partition"]), (100, 20))
            self.assertTrue(all(counts[k] >= 1 for k in schedule.KINDS), counts)
            self.assertTrue(4 <= topo.validators <= 7 and 1 <= topo.observers <= 2)
            self.assertTrue(all(1 <= p <= 3 for p in topo.powers))
            self.assertLessEqual(max(topo.skews_ms) - min(topo.skews_ms), 2 * schedule.MAX_SKEW_MS)
            busy, parts = {}, []
            for ev in events:
                node = ev.params.get("node")
                if node is not None:
                    self.assertLessEqual(busy.get(node, 0), ev.start_s, f"seed {seed}: node {node} has two faults")
                    busy[node] = ev.end_s
                    if ev.kind in ("wipe_observer", "lying_peer"):
                        self.assertGreaterEqual(node, topo.validators)
                if ev.kind == "partition":
                    self.assertTrue(ev.params["side_a"] and ev.params["side_b"])
                    self.assertEqual(sorted(ev.params["side_a"] + ev.params["side_b"]), list(range(topo.nodes)))
                    self.assertTrue(all(p.end_s <= ev.start_s for p in parts), f"seed {seed}: two partitions at once")
                    parts.append(ev)

    def test_the_short_run_plan_is_short(self):
        topo, events = schedule.make_plan(15, validators=4, observers=1, kills=3, partitions=1)
        self.assertEqual((topo.validators, topo.observers), (4, 1))
        self.assertEqual(len(events), 9)  # 3 kills, 1 partition, one of each of the other five kinds


if __name__ == "__main__":
    sys.exit(0 if unittest.main(exit=False).result.wasSuccessful() else 1)
