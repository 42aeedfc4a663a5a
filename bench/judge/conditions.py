"""The bench's conditions: every factor of issue 12 swept on its own against a base, and its
hard combinations, instead of a full factorial (5 sigmas x 6 error shapes x 2 intervals x 3
motions x extras x dropouts would be 720 conditions).

Base: time-correlated Gauss-Markov error, fixes every 1 s, walking (with partial walks and
stops), reported accuracy/speed/heading, no dropouts. Then: sigma 3-15 m at 1 s and 5 s; white
error; heavy tails (Student-t, mixture); isolated multipath jumps and bursts; an urban-canyon
bias; cycling and scooter rides; Doppler speeds that drift; no reported extras; dropouts; and two
whole hard days.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.judge.noise import NoiseSpec


@dataclass(frozen=True)
class Condition:
    noise: NoiseSpec
    interval: float = 1.0
    motion: str = "walk"  # "walk", "cycle" (cycling legs 3-5 m/s), "ride" (27-32 km/h rides)
    extras: bool = True  # fixes carry acc, speed, heading
    dropouts: bool = False
    # Only the along-road part of each fix's error (bench/judgement.py --along-only): every fix
    # lies on the street walked, so no matcher can take the wrong road; what is still wrong is
    # the pass rule meeting along-road error (a bound, not a condition a handset meets).
    along_only: bool = False
    # Doppler velocity off in scale and drifting, not only white (bench/judge/receiver.py):
    # the speed and heading rules meeting a handset whose Doppler is worse than the base's.
    drift: bool = False

    @property
    def draws_name(self) -> str:
        """What seeds the error's draws: the name without --along-only and the Doppler drift
        (drawn apart), so those compare the same walks under the same position error."""
        parts = [self.noise.label(), f"{self.interval:g} s", self.motion]
        if not self.extras:
            parts.append("bare")
        if self.dropouts:
            parts.append("dropouts")
        return " · ".join(parts)

    @property
    def base_name(self) -> str:
        """The name without --along-only."""
        return self.draws_name + (" · Doppler drift" if self.drift else "")

    @property
    def name(self) -> str:
        return self.base_name + (" · along-road error only" if self.along_only else "")

    @property
    def target(self) -> tuple[float, bool] | None:
        """(least share of exact road-days, no flips allowed) the issue sets, if any: sigma up
        to 10 m with at most 2 % of fixes in jumps: 99.5 % and no compliant/non-compliant
        flip; sigma 12-15 m: 98 % (the issue names 15 m; 12 m lies between the two)."""
        n = self.noise
        if n.jumps + n.bursts > 0.02 + 1e-9:
            return None
        if n.sigma <= 10.0:
            return 0.995, True
        if n.sigma <= 15.0:
            return 0.98, False
        return None


def _gm(sigma: float, jumps: float = 0.0, bursts: float = 0.0, canyon_m: float = 0.0
        ) -> NoiseSpec:
    return NoiseSpec("gm", sigma, jumps=jumps, bursts=bursts, canyon_m=canyon_m)


def conditions() -> list[Condition]:
    out = [Condition(_gm(s), iv) for s in (3.0, 5.0, 8.0, 12.0, 15.0) for iv in (1.0, 5.0)]
    out += [Condition(NoiseSpec("white", s)) for s in (5.0, 8.0, 12.0)]
    out += [Condition(NoiseSpec("white", 8.0), 5.0)]
    out += [Condition(NoiseSpec("student", 5.0)), Condition(NoiseSpec("student", 8.0)),
            Condition(NoiseSpec("student", 8.0), 5.0), Condition(NoiseSpec("mixture", 8.0))]
    out += [Condition(_gm(5.0, jumps=0.02)), Condition(_gm(8.0, jumps=0.01)),
            Condition(_gm(8.0, jumps=0.02)), Condition(_gm(8.0, jumps=0.02), 5.0),
            Condition(_gm(15.0, jumps=0.02))]
    out += [Condition(_gm(5.0, bursts=0.02)), Condition(_gm(8.0, bursts=0.02)),
            Condition(_gm(8.0, bursts=0.02), 5.0)]
    out += [Condition(_gm(5.0, canyon_m=8.0)), Condition(_gm(8.0, canyon_m=6.0), 5.0)]
    out += [Condition(_gm(8.0), 1.0, "cycle"), Condition(_gm(8.0), 5.0, "cycle"),
            Condition(_gm(8.0), 1.0, "ride"), Condition(_gm(5.0), 5.0, "ride")]
    out += [Condition(_gm(8.0), 1.0, drift=True), Condition(_gm(8.0), 5.0, "cycle", drift=True)]
    out += [Condition(_gm(8.0), 1.0, extras=False), Condition(_gm(8.0), 5.0, extras=False),
            Condition(_gm(8.0, jumps=0.02), 1.0, extras=False)]
    out += [Condition(_gm(8.0), 1.0, dropouts=True),
            Condition(_gm(5.0), 5.0, "cycle", dropouts=True)]
    out += [Condition(_gm(8.0, jumps=0.015, bursts=0.005, canyon_m=4.0), 5.0, "cycle",
                      dropouts=True),
            Condition(_gm(12.0, jumps=0.02), 1.0, dropouts=True)]
    return out


def control() -> list[Condition]:
    """No error at all: where the truth and a sound counter can only differ by a rule read
    differently, or by what the fixes cannot show (25 m between 5 s fixes of a cyclist)."""
    none = NoiseSpec("white", 0.0)
    return [Condition(none), Condition(none, 5.0, "cycle"), Condition(none, 1.0, "ride")]


def quick() -> list[Condition]:
    """A smoke run: the base, a 5 s day with jumps, a cycled day with dropouts."""
    return [Condition(_gm(5.0)), Condition(_gm(8.0, jumps=0.02), 5.0),
            Condition(_gm(8.0), 5.0, "cycle", dropouts=True)]
