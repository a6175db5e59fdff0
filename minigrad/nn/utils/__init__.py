"""minigrad.nn.utils: gradient clipping, flattening parameters to one vector, and `rnn`
(pad_sequence, PackedSequence and packing)."""

from minigrad.nn.utils import rnn
from minigrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm
from minigrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
