"""Audio: WAV files, resampling and spectral features (torchaudio's names and definitions).

``load`` / ``save`` / ``info`` read and write WAV (8-bit unsigned, 16/24/32-bit PCM, 32/64-bit float);
``functional`` and ``transforms`` hold resampling, spectrograms, mel filterbanks, MFCC and augmentation,
composed from axonml tensor ops and ``axonml.stft`` so they run on every device and are differentiable.
"""
from . import functional, transforms
from .io import AudioMetaData, info, load, save
from .transforms import (MFCC, AddNoise, AmplitudeToDB, FrequencyMasking, MelScale, MelSpectrogram, NormalizeAudio,
                         Resample, Spectrogram, TimeMasking)

__all__ = ["load", "save", "info", "AudioMetaData", "functional", "transforms", "Resample", "Spectrogram",
           "MelScale", "MelSpectrogram", "MFCC", "AmplitudeToDB", "NormalizeAudio", "AddNoise", "TimeMasking",
           "FrequencyMasking"]
