"""minigrad.nn.utils: gradient clipping, flattening parameters to one vector, `rnn`
(pad_sequence, PackedSequence and packing), `parametrize` and `parametrizations` (weight_norm,
spectral_norm), `prune` (masks on a module's tensors), `fusion` (BatchNorm folded into the
layer before it), `stateless` (functional_call's old home), `skip_init`, and the legacy
hook-based weight_norm and spectral_norm."""

from minigrad.nn.utils import fusion, parametrizations, parametrize, prune, rnn, stateless
from minigrad.nn.utils.clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from minigrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from minigrad.nn.utils.fusion import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
from minigrad.nn.utils.init import skip_init
from minigrad.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm
from minigrad.nn.utils.weight_norm import remove_weight_norm, weight_norm
