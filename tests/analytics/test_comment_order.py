"""Comments are shown in an order that ties no two of them to one author."""

import itertools

from analytics.report.comments import arrange_comments


def test_comments_of_one_response_are_never_next_to_each_other():
    # 12 responses, each answering both comment questions.
    groups = [[(row, f"q{q} by {row}") for row in range(12)] for q in range(2)]

    for _ in range(50):
        arranged = arrange_comments(groups)
        authors = [int(text.rsplit(" ", 1)[1]) for _group, text in arranged]
        assert len(arranged) == 24
        assert all(a != b for a, b in itertools.pairwise(authors))
        assert [group for group, _text in arranged] == [0] * 12 + [1] * 12


def test_questions_change_places_to_keep_one_author_apart():
    groups = [[(7, "first")], [(7, "second")], [(3, "third")]]

    assert arrange_comments(groups) == [(0, "first"), (2, "third"), (1, "second")]


def test_a_comment_no_order_can_keep_apart_is_left_out():
    # One person wrote the only comment of both questions: side by side they would be tied
    # to one author, so one of them is not shown.
    assert arrange_comments([[(7, "first")], [(7, "second")]]) == [(0, "first")]


def test_the_order_of_comments_is_not_reproducible_from_anything_stored():
    groups = [[(row, f"comment {row}") for row in range(30)]]
    orders = {tuple(text for _g, text in arrange_comments(groups)) for _ in range(5)}

    assert len(orders) == 5  # 30! orders: a repeat would mean a fixed seed
