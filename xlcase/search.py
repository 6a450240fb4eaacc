"""Which of many texts occur in one long text, in one pass: an Aho–Corasick automaton.

XC901 asks, for every aim, whether some evaluation line contains the aim's text. Trying each aim
against each line takes aims × lines steps: minutes for a workbook of 10,000 of each. The automaton
reads the lines once, whatever the number of aims: time and memory are linear in the length of the
texts sought plus the length of the text searched. Each text is reported once, the first time it is
found, so nested texts ("a", "aa", "aaa", ...) cost no more than others.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

_SHIFT = 21  # every code point is below 2**21, so (node << 21) | code names one edge of the trie


class Automaton:
    """The texts to look for (needles), compiled once; `found_in` says which of them occur in a text."""

    def __init__(self, needles: Sequence[str]) -> None:
        goto: dict[int, int] = {}
        parent, code_of = array("l", [0]), array("l", [0])
        at = [0] * len(needles)  # the node each needle has reached; the trie grows one depth at a time,
        depth = 0                # so nodes are numbered breadth first, as the failure links need
        active = [i for i, needle in enumerate(needles) if needle]
        while active:
            for i in active:
                code = ord(needles[i][depth])
                key = at[i] << _SHIFT | code
                child = goto.get(key)
                if child is None:
                    child = goto[key] = len(parent)
                    parent.append(at[i])
                    code_of.append(code)
                at[i] = child
            depth += 1
            active = [i for i in active if len(needles[i]) > depth]
        ends: dict[int, list[int]] = {}
        for i, needle in enumerate(needles):
            if needle:
                ends.setdefault(at[i], []).append(i)
        fail = array("l", [0]) * len(parent)
        suffix_end = array("l", fail)  # the nearest proper suffix of a node that ends a needle (0: none)
        for node in range(1, len(parent)):
            up, code = parent[node], code_of[node]
            if up:
                state = fail[up]
                while state and (state << _SHIFT | code) not in goto:
                    state = fail[state]
                fail[node] = goto.get(state << _SHIFT | code, 0)
            link = fail[node]
            suffix_end[node] = link if link in ends else suffix_end[link]
        self._goto, self._fail, self._suffix_end, self._ends = goto, fail, suffix_end, ends
        self.count = sum(len(found) for found in ends.values())

    def found_in(self, text: str) -> set[int]:
        """The indexes of the needles that occur somewhere in ``text``."""
        goto, fail, ends, suffix_end = self._goto, self._fail, self._ends, self._suffix_end
        # open_[n] is n while n ends needles not yet reported, else a node further along n's chain of
        # suffixes that may (0: none left). Walked chains are shortened (union-find), so each needle is
        # reported once and a chain whose needles are all reported costs one step.
        open_ = array("l", (n if n in ends else suffix_end[n] for n in range(len(fail))))

        def first_open(node: int) -> int:
            root = node
            while open_[root] != root:
                root = open_[root]
            while node != root:
                open_[node], node = root, open_[node]
            return root

        found: set[int] = set()
        state = 0
        for char in text:
            code = ord(char)
            child = goto.get(state << _SHIFT | code)
            while child is None and state:
                state = fail[state]
                child = goto.get(state << _SHIFT | code)
            state = child or 0
            if not open_[state]:
                continue
            node = first_open(state)
            while node:
                found.update(ends[node])
                open_[node] = suffix_end[node]
                node = first_open(node)
            if len(found) == self.count:
                break
        return found
