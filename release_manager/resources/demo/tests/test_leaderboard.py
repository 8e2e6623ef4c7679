import unittest

from spacegame.leaderboard import Score, leaderboard

SCORES = [
    Score("Ava", 1200, "Solo", "Andromeda"),
    Score("Ben", 900, "Duo", "Milky Way"),
    Score("Cy", 1200, "Solo", "Milky Way"),
    Score("Dee", 700, "Solo", "Andromeda"),
]


class LeaderboardTest(unittest.TestCase):
    def test_highest_first_with_shared_ranks(self):
        board = leaderboard(SCORES)
        self.assertEqual([(e.rank, e.player) for e in board],
                         [(1, "Ava"), (1, "Cy"), (3, "Ben"), (4, "Dee")])

    def test_filters_by_mode_and_region(self):
        board = leaderboard(SCORES, mode="Solo", region="Andromeda")
        self.assertEqual([e.player for e in board], ["Ava", "Dee"])

    def test_top_limits_the_board(self):
        self.assertEqual(len(leaderboard(SCORES, top=2)), 2)

    def test_top_must_be_positive(self):
        with self.assertRaises(ValueError):
            leaderboard(SCORES, top=0)


if __name__ == "__main__":
    unittest.main()
