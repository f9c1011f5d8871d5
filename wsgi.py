from mymovielist import create_app

app = create_app()
