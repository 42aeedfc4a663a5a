"""Record types shared by every part of gridwatch: positions, alerts, live events, clocks."""
