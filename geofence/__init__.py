"""The city: its folder format, loading, coordinate systems and the batch spatial index."""

from geofence.city import load_city
from geofence.errors import CityError
from geofence.index import CityIndex
from geofence.model import Camera, City, CitySettings, Grid, Matches, Road

__all__ = ["Camera", "City", "CityError", "CityIndex", "CitySettings", "Grid", "Matches", "Road",
           "load_city"]
