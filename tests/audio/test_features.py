"""Spectrogram, MelSpectrogram, MFCC and AmplitudeToDB against librosa on real speech, gradients against a
torch reference (torch.stft + the same filterbank), and opencl against cpu."""
import numpy as np
import pytest
import scipy.fft

import axonml
from axonml.audio import MFCC, AmplitudeToDB, MelSpectrogram, Spectrogram
from axonml.audio import functional as AF

librosa = pytest.importorskip("librosa")

# librosa's conventions spelled in torchaudio's arguments.
_LIBROSA_MEL = dict(n_fft=400, hop_length=160, n_mels=80, pad_mode="constant", norm="slaney", mel_scale="slaney")
_LIBROSA_KW = dict(n_fft=400, hop_length=160, n_mels=80)


@pytest.mark.parametrize("mel_scale,norm", [("htk", None), ("htk", "slaney"), ("slaney", None), ("slaney", "slaney")])
def test_filterbank_matches_librosa(mel_scale, norm):
    ours = AF.melscale_fbanks_array(257, 30.0, 7800.0, 64, 16000, norm, mel_scale)
    reference = librosa.filters.mel(sr=16000, n_fft=512, n_mels=64, fmin=30.0, fmax=7800.0, htk=mel_scale == "htk",
                                    norm=norm, dtype=np.float64)
    np.testing.assert_allclose(ours.T, reference, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(AF.melscale_fbanks(257, 30.0, 7800.0, 64, 16000, norm, mel_scale).numpy(), ours,
                               rtol=1e-6, atol=1e-9)


def test_dct_is_scipy_dct_ortho():
    basis = AF.create_dct_array(13, 40, "ortho")
    eye = np.eye(40)
    np.testing.assert_allclose(basis.T, scipy.fft.dct(eye, type=2, norm="ortho", axis=0)[:13], atol=1e-12)
    np.testing.assert_allclose(AF.create_dct_array(13, 40, None).T, scipy.fft.dct(eye, type=2, axis=0)[:13],
                               atol=1e-12)


def test_mel_spectrogram_matches_librosa_float64(speech):
    """The whole 30 s recording; measured agreement ~4e-12 relative."""
    x, rate = speech
    reference = librosa.feature.melspectrogram(y=x, sr=rate, dtype=np.float64, **_LIBROSA_KW)
    got = MelSpectrogram(rate, **_LIBROSA_MEL)(axonml.from_numpy(x)).numpy()
    assert got.shape == reference.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, reference, rtol=1e-4, atol=0)


def test_mel_spectrogram_htk_matches_librosa(speech):
    x, rate = speech
    x = x[:rate * 5]
    reference = librosa.feature.melspectrogram(y=x, sr=rate, n_fft=512, hop_length=128, win_length=400, n_mels=64,
                                               htk=True, norm=None, fmin=20, fmax=7600, center=False,
                                               dtype=np.float64)
    got = MelSpectrogram(rate, n_fft=512, hop_length=128, win_length=400, n_mels=64, f_min=20, f_max=7600,
                         center=False)(axonml.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, reference, rtol=1e-4, atol=0)


def test_mel_spectrogram_matches_librosa_float32(speech):
    """float32 on both sides: elementwise the tiny bins differ by rounding, so the bound is 1e-5 of the peak
    (measured 2.4e-7)."""
    x, rate = speech
    x = x[:rate * 10].astype(np.float32)
    reference = librosa.feature.melspectrogram(y=x, sr=rate, **_LIBROSA_KW)
    got = MelSpectrogram(rate, **_LIBROSA_MEL)(axonml.from_numpy(x)).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, reference, rtol=1e-4, atol=1e-5 * reference.max())


def test_mfcc_matches_librosa(speech):
    x, rate = speech
    x = x[:rate * 10]
    mfcc = MFCC(rate, n_mfcc=20, melkwargs=_LIBROSA_MEL)
    reference = librosa.feature.mfcc(y=x, sr=rate, n_mfcc=20, dtype=np.float64, **_LIBROSA_KW)
    np.testing.assert_allclose(mfcc(axonml.from_numpy(x)).numpy(), reference, rtol=1e-4, atol=1e-8)
    reference32 = librosa.feature.mfcc(y=x.astype(np.float32), sr=rate, n_mfcc=20, **_LIBROSA_KW)
    got32 = mfcc(axonml.from_numpy(x.astype(np.float32))).numpy()
    np.testing.assert_allclose(got32, reference32, rtol=1e-4, atol=1e-5 * np.abs(reference32).max())


def test_amplitude_to_db_matches_librosa(rng):
    power = rng.random((3, 40, 50)) ** 6
    got = AmplitudeToDB("power", top_db=80.0)(axonml.from_numpy(power[:1])).numpy()
    np.testing.assert_allclose(got, librosa.power_to_db(power[:1], top_db=80.0), rtol=1e-10)
    magnitude = np.sqrt(power[0])            # torchaudio's amin is 1e-10 for magnitudes too (librosa's 1e-5)
    np.testing.assert_allclose(AmplitudeToDB("magnitude")(axonml.from_numpy(magnitude)).numpy(),
                               librosa.amplitude_to_db(magnitude, amin=1e-10, top_db=None), rtol=1e-10)
    # top_db floors each (channel, freq, time) item of a batch at its own maximum
    batch = AmplitudeToDB(top_db=20.0)(axonml.from_numpy(power[:, None])).numpy()
    for item, spec in zip(batch, power):
        np.testing.assert_allclose(item[0], librosa.power_to_db(spec, top_db=20.0), rtol=1e-10)
    with pytest.raises(ValueError, match="stype"):
        AmplitudeToDB("energy")


def test_spectrogram_power_none_and_normalized(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3000))
    window = torch.hann_window(256, dtype=torch.float64)
    reference = torch.stft(torch.from_numpy(x), 256, 64, window=window, return_complex=True)
    complex_spec = Spectrogram(256, hop_length=64, power=None)(axonml.from_numpy(x))
    np.testing.assert_allclose(complex_spec.numpy(), reference.numpy(), rtol=1e-10, atol=1e-10)
    normalized = Spectrogram(256, hop_length=64, power=1.0, normalized=True, pad=5)(axonml.from_numpy(x)).numpy()
    padded = torch.nn.functional.pad(torch.from_numpy(x), (5, 5))
    expected = torch.stft(padded, 256, 64, window=window, return_complex=True).abs() / window.pow(2).sum().sqrt()
    np.testing.assert_allclose(normalized, expected.numpy(), rtol=1e-10, atol=1e-12)


def test_mel_gradient_matches_torch(speech):
    """A log-mel L1 loss between two real utterances; the gradient reaches the waveform through stft."""
    torch = pytest.importorskip("torch")
    x, rate = speech
    clean = x[rate * 2:rate * 3].astype(np.float32)
    target = x[rate * 5:rate * 6].astype(np.float32)
    mel = MelSpectrogram(rate, n_fft=512, hop_length=160, n_mels=64)
    wav = axonml.from_numpy(clean.copy()).requires_grad_()
    loss = ((mel(wav) + 1e-5).log() - (mel(axonml.from_numpy(target)) + 1e-5).log()).abs().mean()
    loss.backward()

    fb = torch.from_numpy(mel.mel_scale.fb.numpy())
    window = torch.hann_window(512)

    def torch_mel(signal):
        spec = torch.stft(signal, 512, 160, window=window, center=True, pad_mode="reflect",
                          return_complex=True).abs().pow(2)
        return (spec.transpose(-1, -2) @ fb).transpose(-1, -2)

    twav = torch.from_numpy(clean.copy()).requires_grad_()
    tloss = ((torch_mel(twav) + 1e-5).log() - (torch_mel(torch.from_numpy(target)) + 1e-5).log()).abs().mean()
    tloss.backward()
    assert abs(loss.item() - tloss.item()) < 1e-5 * abs(tloss.item())
    grad, tgrad = wav.grad.numpy(), twav.grad.numpy()
    np.testing.assert_allclose(grad, tgrad, rtol=1e-3, atol=1e-4 * np.abs(tgrad).max())


def test_opencl_matches_cpu(device, speech):
    x, rate = speech
    x = axonml.from_numpy(x[None, rate:rate * 3].astype(np.float32))
    for module in (MelSpectrogram(rate, n_mels=80, hop_length=160), MFCC(rate, n_mfcc=13)):
        expected = module(x).numpy()
        got = module.to(device)(x.to(device)).cpu().numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())


def test_bad_arguments():
    with pytest.raises(ValueError, match="more MFCC coefficients"):
        MFCC(n_mfcc=50, melkwargs=dict(n_mels=40))
    with pytest.raises(ValueError, match="DCT type"):
        MFCC(dct_type=3)
    with pytest.raises(ValueError, match="mel_scale"):
        MelSpectrogram(mel_scale="bark")
    with pytest.raises(ValueError, match="f_min"):
        MelSpectrogram(f_min=9000.0)
    with pytest.raises(TypeError, match="floating point"):
        MelSpectrogram()(axonml.tensor([1, 2, 3]))


def test_state_dict_keys_are_torchaudios():
    assert list(MFCC().state_dict()) == ["dct_mat", "MelSpectrogram.spectrogram.window", "MelSpectrogram.mel_scale.fb"]
    assert list(MelSpectrogram().state_dict()) == ["spectrogram.window", "mel_scale.fb"]


def test_float64_input_with_a_window_fn_without_dtype(rng):
    x = rng.standard_normal(2000)
    spec = Spectrogram(128, window_fn=lambda n: axonml.hann_window(n))(axonml.from_numpy(x))
    assert spec.dtype == axonml.float64
    expected = Spectrogram(128)(axonml.from_numpy(x)).numpy()   # float32 window rounding: ~1e-7 relative
    np.testing.assert_allclose(spec.numpy(), expected, rtol=1e-5, atol=1e-6 * expected.max())
