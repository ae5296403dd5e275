"""What real Rasa installations send: versions, platforms, configs and endpoint values (wire-format.md §2-4)."""

from __future__ import annotations

# fmt: off
# version -> weight; plain OSS 3.6.10+ sends nothing, so it never appears
VERSIONS = {
    "2.0.8": 2, "2.1.3": 2, "2.2.10": 3, "2.3.4": 3, "2.4.3": 3, "2.5.2": 3, "2.6.3": 3, "2.7.2": 3,
    "2.8.12": 4, "2.8.34": 9, "3.0.13": 4, "3.1.7": 4, "3.2.12": 5, "3.3.8": 5, "3.4.14": 6,
    "3.5.10": 4, "3.5.17": 8, "3.6.2": 4, "3.6.9": 6,
}
PYTHONS_2 = ["3.6.15", "3.7.9", "3.7.16", "3.8.12", "3.8.16"]
PYTHONS_3 = ["3.7.16", "3.8.12", "3.8.16", "3.9.16", "3.9.18", "3.10.12"]
OSES = [("Linux", "5.4.0-1045-aws"), ("Linux", "5.15.0-72-generic"), ("Linux", "6.2.0-1018-azure"),
        ("Darwin", "20.6.0"), ("Darwin", "21.6.0"), ("Darwin", "22.5.0"), ("Windows", "10")]
_C = {"name": "CountVectorsFeaturizer"}
_DIET = {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True}
_TED = {"name": "TEDPolicy", "max_history": 5, "epochs": 100, "constrain_similarities": True}
PIPELINES: list[list[dict]] = [
    [{"name": "WhitespaceTokenizer"}, {"name": "RegexFeaturizer"}, {"name": "LexicalSyntacticFeaturizer"}, _C,
     {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4}, _DIET,
     {"name": "EntitySynonymMapper"}, {**_DIET, "name": "ResponseSelector"},
     {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1}],
    [{"name": "SpacyNLP", "model": "en_core_web_md"}, {"name": "SpacyTokenizer"}, {"name": "SpacyFeaturizer"},
     {"name": "RegexFeaturizer"}, {"name": "DIETClassifier", "epochs": 200}, {"name": "EntitySynonymMapper"}],
    [{"name": "WhitespaceTokenizer"},
     {"name": "LanguageModelFeaturizer", "model_name": "bert", "model_weights": "rasa/LaBSE"},
     {"name": "DIETClassifier", "epochs": 150}],
    [{"name": "WhitespaceTokenizer"}, _C, _DIET, {"name": "FallbackClassifier", "threshold": 0.7}],
]
POLICIES: list[list[dict]] = [
    [{"name": "MemoizationPolicy"}, {"name": "RulePolicy"}, _TED],
    [{"name": "MemoizationPolicy"}, {"name": "RulePolicy"},
     {"name": "UnexpecTEDIntentPolicy", "max_history": 5, "epochs": 100}, _TED],
    [{"name": "MemoizationPolicy", "max_history": 3}, {"name": "TEDPolicy", "epochs": 50},
     {"name": "RulePolicy", "core_fallback_threshold": 0.3}],
]
LANGUAGES = ["en"] * 12 + ["de", "de", "es", "fr", "pt", "zh", "ru", "it"]
STORES = {"sql": "SQLTrackerStore", "redis": "RedisTrackerStore", "mongod": "MongoTrackerStore",
          "dynamo": "DynamoTrackerStore", None: "InMemoryTrackerStore"}
BROKERS = {"pika": "PikaEventBroker", "kafka": "KafkaEventBroker", "sql": "SQLEventBroker",
           "file": "FileEventBroker"}
CHANNELS = [["rest"], ["rest", "rasa"], ["socketio"], ["rest", "socketio"], ["facebook"], ["slack", "rest"],
            ["telegram"], ["twilio"], ["botframework"], ["rest", "MyWebhookInput"], ["callback"]]
# fmt: on
