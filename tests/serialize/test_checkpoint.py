"""CheckpointManager (axonml/serialize/checkpoint.py): keeping, restoring, crash safety, exact resume."""
import json
import os
import random
import signal
import time

import numpy as np
import pytest

import axonml
from axonml import nn, optim
from axonml.data import DataLoader, TensorDataset
from axonml.serialize import CheckpointManager


def _model():
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))


def test_save_latest_best_and_pruning(tmp_path):
    manager = CheckpointManager(tmp_path, max_to_keep=2, keep_best="loss")
    model = _model()
    for step, loss in enumerate([0.9, 0.2, 0.5, 0.7, 0.6]):
        manager.save(step, model=model, epoch=step, metrics={"loss": loss})
    assert [i.step for i in manager.checkpoints()] == [1, 3, 4]       # the newest two and the best
    assert manager.latest().step == 4 and manager.best().step == 1 and manager.best().metrics == {"loss": 0.2}
    files = sorted(f for f in os.listdir(tmp_path) if f.startswith("checkpoint-"))
    assert files == ["checkpoint-000000001.safetensors", "checkpoint-000000003.safetensors",
                     "checkpoint-000000004.safetensors"]
    assert manager.save(model=model).step == 5                          # the step defaults to the next one
    maximizing = CheckpointManager(tmp_path / "max", max_to_keep=1, keep_best="acc", mode="max")
    for step, acc in enumerate([0.5, 0.9, 0.1]):
        maximizing.save(step, metrics={"acc": acc})
    assert maximizing.best().step == 1 and [i.step for i in maximizing.checkpoints()] == [1, 2]


def test_restore_brings_back_model_optimizer_scheduler_and_rng(tmp_path):
    model = _model()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    model(axonml.randn(4, 8)).sum().backward()
    optimizer.step()
    scheduler.step()
    generator = axonml.Generator().manual_seed(5)
    manager = CheckpointManager(tmp_path)
    manager.save(7, model=model, optimizer=optimizer, scheduler=scheduler, epoch=2, sampler_state={"batch": 3},
                 extra={"note": "x"}, generators={"data": generator})
    expected = (axonml.rand(3).numpy(), np.random.rand(2), random.random(), axonml.rand(2, generator=generator).numpy())
    fresh_model = _model()
    fresh_optimizer = optim.Adam(fresh_model.parameters(), lr=0.5)
    fresh_scheduler = optim.lr_scheduler.StepLR(fresh_optimizer, step_size=1, gamma=0.5)
    fresh_generator = axonml.Generator().manual_seed(99)
    state = manager.restore(fresh_model, fresh_optimizer, fresh_scheduler, generators={"data": fresh_generator})
    assert state == {"step": 7, "epoch": 2, "metrics": {}, "sampler_state": {"batch": 3}, "extra": {"note": "x"}}
    for (name, a), b in zip(model.state_dict().items(), fresh_model.state_dict().values()):
        np.testing.assert_array_equal(np.asarray(a.detach()), np.asarray(b.detach()), err_msg=name)
    assert fresh_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"] == 0.005
    assert fresh_scheduler.state_dict() == scheduler.state_dict()
    again = (axonml.rand(3).numpy(), np.random.rand(2), random.random(),
             axonml.rand(2, generator=fresh_generator).numpy())
    for a, b in zip(expected, again):
        np.testing.assert_array_equal(a, b)


def test_empty_directories_and_bad_arguments(tmp_path):
    manager = CheckpointManager(tmp_path / "none")
    assert manager.latest() is None and manager.best() is None and manager.checkpoints() == []
    with pytest.raises(FileNotFoundError, match="no committed checkpoint"):
        manager.restore(_model())
    with pytest.raises(ValueError, match="max_to_keep"):
        CheckpointManager(tmp_path, max_to_keep=0)
    with pytest.raises(ValueError, match="mode"):
        CheckpointManager(tmp_path, mode="best")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "checkpoints.json").write_text('{"version": 1, "checkpoints": [{"file": "../../etc/x"}]}')
    with pytest.raises(ValueError, match="malformed entry"):
        CheckpointManager(tmp_path / "bad").latest()


def test_a_checkpoint_file_without_a_manifest_entry_does_not_exist(tmp_path):
    manager = CheckpointManager(tmp_path)
    manager.save(0, model=_model())
    axonml.save({"step": 1, "rng": {}}, tmp_path / "checkpoint-000000001.safetensors")   # written, never committed
    (tmp_path / ".axonml-leftover.tmp").write_bytes(b"partial")
    assert manager.latest().step == 0
    manager.save(2, model=_model())
    assert sorted(os.listdir(tmp_path)) == ["checkpoint-000000000.safetensors", "checkpoint-000000002.safetensors",
                                            "checkpoints.json"]


def _forked_save_time(manager, model, optimizer, fill) -> float:
    """The median time from fork to a child's first save committed: the window the kills aim at.

    Timed as the kills see it (fork, copy-on-write faults and all), so that the delays below land
    before and after commits on a fast machine and on a loaded one alike."""
    times = []
    for _ in range(5):
        before = manager.latest().step
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            try:
                fill(before + 1)
                manager.save(before + 1, model=model, optimizer=optimizer)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        times.append(time.perf_counter() - started)
    fill(manager.latest().step)
    return sorted(times)[len(times) // 2]


def test_sigkill_at_any_point_of_a_save_keeps_a_complete_checkpoint(tmp_path):
    """Fork a child that saves checkpoint after checkpoint; SIGKILL it after a random delay, 120 times."""
    model = nn.Linear(128, 256)
    optimizer = optim.Adam(model.parameters())
    model(axonml.randn(2, 128)).sum().backward()
    optimizer.step()
    manager = CheckpointManager(tmp_path, max_to_keep=2)

    def fill(step):
        with axonml.no_grad():
            model.weight.fill_(float(step))
            model.bias.fill_(float(step))

    fill(0)
    manager.save(0, model=model, optimizer=optimizer)
    duration = _forked_save_time(manager, model, optimizer, fill)
    draw = random.Random(0)
    advanced = stayed = 0
    for _ in range(120):
        before = manager.latest().step
        pid = os.fork()
        if pid == 0:                                     # the child: save, save, save ... until killed
            try:
                for step in range(before + 1, before + 10_000):
                    fill(step)
                    manager.save(step, model=model, optimizer=optimizer)
            finally:
                os._exit(0)
        time.sleep(draw.uniform(0, 2 * duration))        # anywhere in the first save, or just after
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        latest = manager.latest()
        assert latest.step >= before
        state = manager.load()
        assert state["step"] == latest.step
        weight = np.asarray(state["model"]["weight"])
        assert weight.shape == (256, 128) and (weight == latest.step).all(), "a torn or mismatched checkpoint"
        assert set(state["optimizer"]["state"]) == {0, 1}
        for info in manager.checkpoints():
            assert os.path.isfile(info.path)
        advanced += latest.step > before
        stayed += latest.step == before
        # steer the window so that about half the kills land before the first commit, however fast
        # this machine forks and saves today
        duration *= 0.85 if latest.step > before else 1.15
    assert advanced >= 10 and stayed >= 10, f"kills should land before and after commits ({advanced}, {stayed})"


def _run(manager: CheckpointManager, data, stop_at=None, resume=False):
    """Train 3 epochs of 10 batches; stop after batch stop_at=(epoch, batch) with a checkpoint, or resume one."""
    axonml.manual_seed(0)
    model = _model()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    generator = axonml.Generator().manual_seed(123)
    start_epoch, start_batch, step = 0, 0, 0
    if resume:
        axonml.manual_seed(999)                          # restore, not the seed, must decide what comes next
        state = manager.restore(model, optimizer, scheduler)
        position = state["sampler_state"]
        start_epoch, start_batch, step = position["epoch"], position["batch"], state["step"]
        generator.set_state(position["generator"])
    losses = []
    for epoch in range(start_epoch, 3):
        epoch_start = generator.get_state()              # the sampler's position: its generator at epoch start
        loader = DataLoader(data, batch_size=8, shuffle=True, generator=generator)
        model.train()
        for batch, (x, y) in enumerate(loader):
            if epoch == start_epoch and batch < start_batch:
                continue                                 # replay the same shuffle up to where the run stopped
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            step += 1
            losses.append(loss.item())
            if stop_at == (epoch, batch):
                manager.save(step, model=model, optimizer=optimizer, scheduler=scheduler, epoch=epoch,
                             sampler_state={"epoch": epoch, "batch": batch + 1, "generator": epoch_start})
                return losses, None
        scheduler.step()
    return losses, {k: np.asarray(v.detach()).copy() for k, v in model.state_dict().items()}


def test_resume_mid_epoch_is_bit_for_bit_the_uninterrupted_run(tmp_path):
    draw = np.random.RandomState(1)
    data = TensorDataset(axonml.from_numpy(draw.randn(80, 8).astype(np.float32)),
                         axonml.from_numpy(draw.randint(0, 3, 80).astype(np.int64)))
    straight, weights = _run(CheckpointManager(tmp_path / "a"), data)
    manager = CheckpointManager(tmp_path / "b")
    first, _ = _run(manager, data, stop_at=(1, 4))
    second, resumed_weights = _run(manager, data, resume=True)
    assert len(first) == 15 and first + second == straight          # the same losses, exactly
    for name in weights:
        np.testing.assert_array_equal(resumed_weights[name], weights[name], err_msg=name)
    manifest = json.loads((tmp_path / "b" / "checkpoints.json").read_text())
    assert manifest["checkpoints"][0]["step"] == 15
