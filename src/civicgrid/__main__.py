from civicgrid.cli.main import main

main()
