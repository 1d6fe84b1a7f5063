"""Drives the embedder with Hugging Face's own InferenceClient, as a user swapping TEI for it
would, and prints what the client returned as one JSON object on stdout.

Usage: python huggingface_client_check.py BASE_URL
"""

import json
import sys

from huggingface_hub import InferenceClient
from huggingface_hub.errors import HfHubHTTPError

base = sys.argv[1].rstrip("/")
sentence = "A man is eating food."
batch = ["A man is eating food.", "A monkey is playing drums."]
others = ["A man is eating a piece of bread.", "A monkey is playing drums."]


def vectors(array):
    """numpy float32 array -> nested lists, noting the dtype and shape the client produced."""
    return {"dtype": str(array.dtype), "shape": list(array.shape), "values": array.tolist()}


def http_error(call):
    try:
        call()
    except HfHubHTTPError as error:
        return {"status": error.response.status_code, "body": error.response.json()}
    return None


result = {
    # TEI's compatibility route: the base URL is the model.
    "base_single": vectors(InferenceClient(model=base).feature_extraction(sentence)),
    "base_batch": vectors(InferenceClient(model=base).feature_extraction(batch)),
    "base_unnormalized": vectors(
        InferenceClient(model=base).feature_extraction(sentence, normalize=False, truncate=True)
    ),
    # The route itself as the model URL.
    "embed_single": vectors(InferenceClient(model=f"{base}/embed").feature_extraction(sentence)),
    # A client without a default model, given the URL per call.
    "per_call_model": vectors(InferenceClient().feature_extraction(sentence, model=base)),
    "similarity_route": InferenceClient(model=f"{base}/similarity").sentence_similarity(
        sentence, other_sentences=others
    ),
    "similarity_base": InferenceClient(model=base).sentence_similarity(
        sentence, other_sentences=others
    ),
    "error_empty": http_error(lambda: InferenceClient(model=base).feature_extraction("")),
    "error_too_long": http_error(
        lambda: InferenceClient(model=base).feature_extraction("word " * 300, truncate=False)
    ),
    "error_no_sentences": http_error(
        lambda: InferenceClient(model=base).sentence_similarity(sentence, other_sentences=[])
    ),
}
json.dump(result, sys.stdout)
