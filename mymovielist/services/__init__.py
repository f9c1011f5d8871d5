"""Domain services: the rules of MyMovieList. They flush; views and jobs commit."""
