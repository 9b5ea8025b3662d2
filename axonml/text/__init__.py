"""Text: vocabularies, tokenizers (simple, BPE, WordPiece, unigram, BERT's) and text datasets.

The subword tokenizers read and write Hugging Face ``tokenizer.json`` files.
"""
from . import decoders, normalizers, pre_tokenizers, processors
from .bert import BasicTokenizer, BatchEncoding, BertTokenizer
from .bpe import BPE, train_bpe
from .datasets import LanguageModelDataset, TextClassificationDataset
from .simple import CharacterTokenizer, NGramTokenizer, WhitespaceTokenizer, WordPunctTokenizer
from .tokenizer import AddedToken, Tokenizer
from .subword import ByteLevelBPETokenizer, UnigramTokenizer, WordPieceTokenizer
from .unigram import Unigram, train_unigram
from .vocab import Vocab, build_vocab_from_iterator, vocab
from .wordpiece import WordPiece

__all__ = ["Vocab", "vocab", "build_vocab_from_iterator", "Tokenizer", "AddedToken", "BPE", "WordPiece", "Unigram",
           "train_bpe", "train_unigram", "ByteLevelBPETokenizer", "WordPieceTokenizer", "UnigramTokenizer",
           "BasicTokenizer", "BertTokenizer", "BatchEncoding", "WhitespaceTokenizer", "CharacterTokenizer",
           "WordPunctTokenizer", "NGramTokenizer", "TextClassificationDataset", "LanguageModelDataset",
           "normalizers", "pre_tokenizers", "processors", "decoders"]
