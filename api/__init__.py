"""The HTTP API of cited-qa (`qa serve`): a FastAPI surface over `qa.QA` (answers and documents).

from api import create_app
app = create_app(Settings.from_env())      # then: uvicorn.run(app, host="127.0.0.1")
"""

from api.app import create_app

__all__ = ["create_app"]
