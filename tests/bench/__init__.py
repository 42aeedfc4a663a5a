"""Tests of the judgement bench itself (bench/judge/)."""
