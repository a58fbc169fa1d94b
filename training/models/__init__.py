"""One PyTorch reference module per architecture, with Hugging Face weight names.

The TypeScript runtime in ``packages/models`` is tested for parity against these modules, and the
zoo's training recipes import them, so there is exactly one definition of each architecture.
"""

from .bert import BertConfig, BertModel
from .clip import ClipConfig, ClipModel
from .kv_prediction import KvPredictor, KvPredictorConfig, kv_prediction_generate
from .openelm import OpenElmConfig, OpenElmForCausalLM
from .vit import VitConfig, VitModel
from .vlm import VlmConfig, VlmForCausalLM

__all__ = [
    "BertConfig",
    "BertModel",
    "ClipConfig",
    "ClipModel",
    "KvPredictor",
    "KvPredictorConfig",
    "OpenElmConfig",
    "OpenElmForCausalLM",
    "VitConfig",
    "VitModel",
    "VlmConfig",
    "VlmForCausalLM",
    "kv_prediction_generate",
]
