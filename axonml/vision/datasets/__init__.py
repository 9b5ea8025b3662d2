"""Image datasets with torchvision's names and constructor arguments."""
from .cifar import CIFAR10, CIFAR100
from .digits import Digits
from .fakedata import FakeCIFAR10, FakeData, FakeMNIST
from .folder import IMG_EXTENSIONS, DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST, read_idx
from .vision import VisionDataset

__all__ = ["VisionDataset", "MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "Digits", "FakeData", "FakeMNIST",
           "FakeCIFAR10", "read_idx", "DatasetFolder", "ImageFolder", "IMG_EXTENSIONS"]
