"""Flask extensions, created unbound; `create_app` initialises them."""

from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from mymovielist import ratelimit_storage  # noqa: F401  (registers sqlite:// storage with limits)
from mymovielist.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
cache = Cache()
compress = Compress()
# No default limits: only the views that name a limit (log in) are throttled.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
