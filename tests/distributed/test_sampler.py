"""DistributedSampler (axonml/data/distributed.py) against torch's, index for index."""
import pytest
import torch.utils.data.distributed as torch_distributed

from axonml.data.distributed import DistributedSampler

CASES = [(n, replicas, shuffle, drop_last, 12345)
         for n in (0, 7, 101)
         for replicas in (1, 3, 4)
         for shuffle in (False, True)
         for drop_last in (False, True)] + [(10, 2, True, False, 0), (1, 2, True, False, 2 ** 32 + 5)]


@pytest.mark.parametrize("n,replicas,shuffle,drop_last,seed", CASES)
def test_indices_match_torch(n, replicas, shuffle, drop_last, seed):
    data = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                                  drop_last=drop_last)
        theirs = torch_distributed.DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=shuffle,
                                                      seed=seed, drop_last=drop_last)
        for epoch in (0, 3):
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)
            assert len(ours) == len(theirs)


def test_large_dataset_shuffle_matches_torch():
    data = range(60000)
    ours = DistributedSampler(data, num_replicas=2, rank=1, seed=7)
    theirs = torch_distributed.DistributedSampler(data, num_replicas=2, rank=1, seed=7)
    ours.set_epoch(5)
    theirs.set_epoch(5)
    assert list(ours) == list(theirs)


def test_invalid_rank_is_a_value_error():
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Invalid rank -1"):
        DistributedSampler(range(4), num_replicas=2, rank=-1)


def test_both_import_paths_give_one_class():
    import axonml.data
    import axonml.utils.data.distributed as torch_path
    assert torch_path.DistributedSampler is DistributedSampler
    assert axonml.utils.data.DistributedSampler is DistributedSampler is axonml.data.DistributedSampler
