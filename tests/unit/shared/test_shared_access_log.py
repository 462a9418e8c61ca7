"""The access log never carries a join link's token."""
from shared.access_log import mask_path


def test_join_tokens_are_masked_and_other_paths_kept():
    assert mask_path("/join/AbC.dEf-123") == "/join/***"
    assert mask_path("/v1/sessions/5f0e") == "/v1/sessions/5f0e"
