import json
import unittest

from handler import hello, tick


class HandlerTest(unittest.TestCase):
    def test_hello_answers_200_with_a_greeting(self):
        response = hello(
            {"rawPath": "/hello", "queryStringParameters": {"name": "Ada"}, "requestContext": {"http": {"method": "GET"}}},
            None,
        )
        self.assertEqual(response["statusCode"], 200)
        self.assertEqual(json.loads(response["body"]), {"message": "Hello, Ada!"})

    def test_hello_greets_the_world_without_a_name(self):
        self.assertEqual(json.loads(hello({}, None)["body"]), {"message": "Hello, world!"})

    def test_tick_returns_ok(self):
        self.assertEqual(tick({"time": "2030-01-01T00:00:00Z"}, None), {"ok": True})


if __name__ == "__main__":
    unittest.main()
