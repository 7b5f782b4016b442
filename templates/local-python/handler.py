import json
from datetime import datetime, timezone


def hello(event, context):
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method", "direct")
    print(f"hello called: {method} {event.get('rawPath', '')}".strip())
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"message": f"Hello, {name}!"}),
    }


def tick(event, context):
    print(f"tick at {event.get('time') or datetime.now(timezone.utc).isoformat()}")
    return {"ok": True}
