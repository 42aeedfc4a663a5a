"""The position journal: what was accepted comes back, in order, whatever happened to the tail."""

from __future__ import annotations

from pathlib import Path

from model.position import Position
from store.journal import PositionJournal


class Wall:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def pos(n: int, **attrs: object) -> Position:
    return Position("p-1", 1_790_000_000.0 + n, 36.6, 116.9, 5.0, 1.2, 90.0, dict(attrs))


def test_batches_come_back_in_order(tmp_path: Path) -> None:
    journal = PositionJournal(tmp_path, wall=Wall(1_790_000_000.0))
    journal.append([pos(1), pos(2)])
    journal.append([pos(3, terminal="013833501744")])
    journal.close()
    again = PositionJournal(tmp_path)
    assert list(again.replay()) == [[pos(1), pos(2)], [pos(3, terminal="013833501744")]]
    assert list(again.replay())[1][0].attrs == {"terminal": "013833501744"}


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    journal = PositionJournal(tmp_path, wall=Wall(1_790_000_000.0))
    journal.append([pos(1)])
    journal.close()
    (path,) = journal.files()
    with path.open("ab") as handle:
        handle.write(b'{"t": 1790000001.0, "p": [["p-1", 17900')
    assert list(PositionJournal(tmp_path).replay()) == [[pos(1)]]


def test_days_roll_over_and_old_files_go(tmp_path: Path) -> None:
    wall = Wall(1_790_000_000.0)
    journal = PositionJournal(tmp_path, keep_days=2, wall=wall)
    for day in range(4):
        wall.now = 1_790_000_000.0 + day * 86_400
        journal.append([pos(day)])
    journal.close()
    assert len(journal.files()) == 3  # today and the two days before
    assert [b[0].ts for b in journal.replay()] == [pos(d).ts for d in (1, 2, 3)]
