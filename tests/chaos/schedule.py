"""Seeded topologies and perturbation schedules for the chaos testnet. Pure: the same seed and
options give the same plan on any machine (random.Random(seed), nothing else), so a violation
printed with its seed replays the same faults in the same order.

A plan is a topology and a list of events, each with a start time (seconds from the first
perturbation), a duration and its own parameters. Events may overlap, with two limits that
keep the fault model honest: a node carries at most one fault at a time (a node stopped by
SIGSTOP is not also killed), and at most one partition is in force at a time.
"""
import random

KINDS = ("kill", "pause", "partition", "disk_full", "wipe_observer", "lying_peer", "skew")


class Topology:
    def __init__(self, powers, observers, skews_ms):
        self.powers = powers  # voting power of validator i
        self.observers = observers
        self.skews_ms = skews_ms  # initial test_only.clock_offset_ms of node i

    @property
    def validators(self):
        return len(self.powers)

    @property
    def nodes(self):
        return len(self.powers) + self.observers

    def describe(self):
        return (f"{self.validators} validators (powers {','.join(map(str, self.powers))}), {self.observers} observer(s), "
                f"clock skews {self.skews_ms} ms")


class Event:
    def __init__(self, start_s, kind, duration_s, **params):
        self.start_s = start_s
        self.kind = kind
        self.duration_s = duration_s
        self.params = params

    @property
    def end_s(self):
        return self.start_s + self.duration_s

    def describe(self):
        args = " ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"t={self.start_s:7.2f}s {self.kind:13s} {self.duration_s:5.2f}s {args}"


# Within the 5 s proposal rule (runner.max_clock_skew_ms): no two nodes further apart than 4 s.
MAX_SKEW_MS = 2000


def make_topology(rng, validators=None, observers=None):
    n = validators if validators is not None else rng.randint(4, 7)
    assert 4 <= n <= 7 or validators is not None
    powers = [rng.randint(1, 3) for _ in range(n)]
    obs = observers if observers is not None else rng.randint(1, 2)
    skews = [rng.randint(-MAX_SKEW_MS, MAX_SKEW_MS) for _ in range(n + obs)]
    return Topology(powers, obs, skews)


def _weights(options):
    # Kills and partitions dominate (the long run's targets); each other kind appears in every plan.
    weights = {"kill": 10, "pause": 3, "partition": 3, "disk_full": 1, "wipe_observer": 1, "lying_peer": 1, "skew": 1}
    return [(k, weights[k]) for k in KINDS if k in options]


def _split(rng, topo):
    """Two non-empty sides; validators are shuffled so either side may hold the quorum, or neither."""
    nodes = list(range(topo.nodes))
    rng.shuffle(nodes)
    cut = rng.randint(1, len(nodes) - 1)
    return sorted(nodes[:cut]), sorted(nodes[cut:])


def make_plan(seed, validators=None, observers=None, kills=3, partitions=1, kinds=KINDS, max_gap_s=4.0):
    """Events until exactly `kills` kills and `partitions` partitions are planned, plus at least one
    of every other kind in `kinds`. Returns (topology, events sorted by start)."""
    rng = random.Random(seed)
    topo = make_topology(rng, validators, observers)
    busy_until = [0.0] * topo.nodes  # per node: end of its current fault
    partition_until = 0.0
    counts = {k: 0 for k in KINDS}
    # The other kinds scale with the kills: one in ten (pauses one in five), at least one each.
    wanted = {k: kills if k == "kill" else partitions if k == "partition" else max(1, kills // (5 if k == "pause" else 10))
              for k in kinds}
    events = []
    t = 1.0
    while any(counts[k] < wanted[k] for k in wanted):
        choices = _weights([k for k in kinds if counts[k] < wanted[k]])  # a kind stops once it has its share
        kind = rng.choices([k for k, _ in choices], [w for _, w in choices])[0]
        duration = round(rng.uniform(1.0, 6.0), 2)
        ev = None
        free = [i for i in range(topo.nodes) if busy_until[i] <= t]
        free_obs = [i for i in free if i >= topo.validators]
        if kind == "partition" and partition_until <= t:
            a, b = _split(rng, topo)
            ev = Event(t, kind, duration, side_a=a, side_b=b, mode=rng.choice(["reset", "reset", "blackhole"]))
            partition_until = t + duration
        elif kind in ("kill", "pause", "skew") and free:
            node = rng.choice(free)
            if kind == "kill":
                ev = Event(t, kind, round(rng.uniform(0.5, 4.0), 2), node=node,
                           new_skew_ms=rng.randint(-MAX_SKEW_MS, MAX_SKEW_MS))
            elif kind == "pause":
                ev = Event(t, kind, duration, node=node)
            else:  # restart with another clock: the skew a node runs with changes under load
                ev = Event(t, kind, 0.5, node=node, new_skew_ms=rng.randint(-MAX_SKEW_MS, MAX_SKEW_MS))
        elif kind == "disk_full" and free:
            ev = Event(t, kind, duration, node=rng.choice(free), quota_kib=rng.choice([64, 256, 1024]))
        elif kind == "lying_peer" and free_obs:
            ev = Event(t, kind, duration, node=rng.choice(free_obs), claim=rng.choice([0, 10**15]))
        elif kind == "wipe_observer" and free_obs:
            ev = Event(t, kind, 0.5, node=rng.choice(free_obs))
        if ev is not None:
            if "node" in ev.params:
                busy_until[ev.params["node"]] = ev.end_s + 0.5
            events.append(ev)
            counts[kind] += 1
        t = round(t + rng.uniform(0.2, max_gap_s), 2)
    return topo, events


def counts(events):
    out = {k: 0 for k in KINDS}
    for ev in events:
        out[ev.kind] += 1
    return out
