"""DataLoader (axonml/data/dataloader.py, _worker.py): order, seeding, workers, shutdown, errors."""
import os
import time

import numpy as np
import pytest

import axonml
from axonml.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info


def _dataset(n=100):
    x = axonml.from_numpy(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    return TensorDataset(x, axonml.arange(n))


def _as_arrays(loader):
    return [tuple(t.numpy().copy() for t in batch) for batch in loader]


def _equal(a, b):
    return len(a) == len(b) and all(all(np.array_equal(p, q) for p, q in zip(x, y)) for x, y in zip(a, b))


def test_batches_in_order_with_last_partial():
    batches = _as_arrays(DataLoader(_dataset(10), batch_size=4))
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].shape == (4, 3)
    assert len(DataLoader(_dataset(10), batch_size=4)) == 3
    assert len(DataLoader(_dataset(10), batch_size=4, drop_last=True)) == 2
    assert [b[1].tolist() for b in _as_arrays(DataLoader(_dataset(10), batch_size=4, drop_last=True))] == \
        [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_shuffle_is_a_permutation_and_seeded():
    axonml.manual_seed(5)
    first = np.concatenate([b[1] for b in _as_arrays(DataLoader(_dataset(50), batch_size=8, shuffle=True))])
    assert sorted(first.tolist()) == list(range(50)) and first.tolist() != list(range(50))
    axonml.manual_seed(5)
    again = np.concatenate([b[1] for b in _as_arrays(DataLoader(_dataset(50), batch_size=8, shuffle=True))])
    np.testing.assert_array_equal(first, again)
    g1 = axonml.Generator().manual_seed(9)
    g2 = axonml.Generator().manual_seed(9)
    a = _as_arrays(DataLoader(_dataset(50), batch_size=8, shuffle=True, generator=g1))
    b = _as_arrays(DataLoader(_dataset(50), batch_size=8, shuffle=True, generator=g2))
    assert _equal(a, b)


def test_workers_give_the_same_batches_as_the_main_process():
    axonml.manual_seed(1)
    single = _as_arrays(DataLoader(_dataset(), batch_size=7, shuffle=True))
    axonml.manual_seed(1)
    multi = _as_arrays(DataLoader(_dataset(), batch_size=7, shuffle=True, num_workers=2))
    assert _equal(single, multi)


class _SlowFirst(Dataset):
    """Index 0 takes long, so worker 0's batches come back after worker 1's."""

    def __len__(self):
        return 16

    def __getitem__(self, i):
        if i == 0:
            time.sleep(0.3)
        return i


def test_out_of_order_results_are_reordered():
    got = [b.tolist() for b in DataLoader(_SlowFirst(), batch_size=2, num_workers=2)]
    assert got == [[i, i + 1] for i in range(0, 16, 2)]


class _WorkerInfoDataset(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return np.array([info.id, info.num_workers, info.seed, os.getpid(), float(axonml.rand(1).item() * 1e6)])


def test_worker_info_seeds_and_processes():
    assert get_worker_info() is None
    g = axonml.Generator().manual_seed(123)
    rows = np.concatenate([b.numpy() for b in DataLoader(_WorkerInfoDataset(), batch_size=2, num_workers=2,
                                                          generator=g)])
    ids, counts, seeds, pids = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
    assert set(ids.tolist()) == {0, 1} and set(counts.tolist()) == {2}
    assert os.getpid() not in set(pids.tolist()) and len(set(pids.tolist())) == 2
    base = seeds[ids == 0][0]
    assert np.all(seeds[ids == 1] == base + 1)
    # The same generator seed gives the same per-worker seeds and random draws.
    g = axonml.Generator().manual_seed(123)
    again = np.concatenate([b.numpy() for b in DataLoader(_WorkerInfoDataset(), batch_size=2, num_workers=2,
                                                           generator=g)])
    np.testing.assert_array_equal(rows[:, [0, 1, 2, 4]], again[:, [0, 1, 2, 4]])


def _children():
    import multiprocessing
    return [p for p in multiprocessing.active_children()]


def test_clean_shutdown_at_end_and_on_break():
    loader = DataLoader(_dataset(), batch_size=4, num_workers=2)
    list(loader)
    assert _children() == []
    it = iter(loader)
    workers = list(it._workers)
    next(it)
    del it                             # what `break` out of a for loop does
    for w in workers:
        w.join(timeout=10)
    assert all(not w.is_alive() for w in workers)
    for batch in loader:
        break
    assert _children() == [] or all(not p.is_alive() for p in _children())


class _Failing(Dataset):
    def __len__(self):
        return 20

    def __getitem__(self, i):
        if i == 13:
            raise KeyError(f"no sample number {i} here")
        return i


def test_worker_exception_is_reraised_with_traceback():
    loader = DataLoader(_Failing(), batch_size=2, num_workers=2)
    it = iter(loader)
    workers = list(it._workers)
    with pytest.raises(KeyError) as info:
        for _ in it:
            pass
    text = str(info.value)
    assert "Caught KeyError in DataLoader worker process" in text
    assert "Traceback (most recent call last)" in text
    assert "no sample number 13 here" in text and "__getitem__" in text
    for w in workers:
        w.join(timeout=10)
    assert all(not w.is_alive() for w in workers)


def test_main_process_exception_propagates_unchanged():
    with pytest.raises(KeyError, match="no sample number 13"):
        list(DataLoader(_Failing(), batch_size=2))


class _Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


def test_iterable_dataset_single_and_workers():
    single = [b.tolist() for b in DataLoader(_Stream(10), batch_size=3)]
    assert single == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    multi = [b.tolist() for b in DataLoader(_Stream(10), batch_size=2, num_workers=2)]
    assert sorted(v for b in multi for v in b) == list(range(10))
    assert multi[0] == [0, 2] and multi[1] == [1, 3]
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(_Stream(3), shuffle=True)


def test_persistent_workers_survive_epochs():
    loader = DataLoader(_dataset(20), batch_size=5, num_workers=2, persistent_workers=True)
    first = _as_arrays(loader)
    workers = list(loader._iterator._workers)
    second = _as_arrays(loader)
    assert _equal(first, second) and len(first) == 4
    assert loader._iterator._workers == workers and all(w.is_alive() for w in workers)
    it = iter(loader)
    next(it)                                   # abandon an epoch half way
    third = _as_arrays(loader)
    assert _equal(first, third)
    loader._iterator._shutdown_workers()
    assert all(not w.is_alive() for w in workers)


def test_no_batching_and_custom_collate():
    items = list(DataLoader(_dataset(3), batch_size=None))
    assert len(items) == 3 and items[1][1].item() == 1
    sums = list(DataLoader(range(6), batch_size=3, collate_fn=sum))
    assert sums == [3, 12]
    sums = list(DataLoader(range(6), batch_size=3, collate_fn=sum, num_workers=2))
    assert sums == [3, 12]


def test_worker_init_fn_runs_in_each_worker():
    class Ids(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return int(os.environ.get("AXONML_TEST_INIT", "-1"))

    def init(worker_id):
        os.environ["AXONML_TEST_INIT"] = str(100 + worker_id)

    values = sorted(v for b in DataLoader(Ids(), batch_size=1, num_workers=2, worker_init_fn=init) for v in b.tolist())
    assert values == [100, 100, 101, 101]


def test_timeout_raises():
    class Slow(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(5)
            return i

    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.5))


def test_argument_errors_like_torch():
    ds = _dataset(4)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0, 1]], batch_size=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
        DataLoader(ds, prefetch_factor=2)


def test_batch_sampler_and_sampler_arguments():
    got = [b[1].tolist() for b in DataLoader(_dataset(6), batch_sampler=[[5, 0], [2]])]
    assert got == [[5, 0], [2]]
    got = [b[1].tolist() for b in DataLoader(_dataset(6), sampler=[3, 2, 1], batch_size=2)]
    assert got == [[3, 2], [1]]


def test_pin_memory_is_accepted():
    batches = _as_arrays(DataLoader(_dataset(4), batch_size=2, pin_memory=True))
    assert len(batches) == 2


def test_utils_data_alias_is_the_same_module():
    import axonml.data
    import axonml.utils.data
    from axonml.utils.data import DataLoader as Aliased
    assert axonml.utils.data is axonml.data and Aliased is DataLoader
