import BrigCLI

Brig.main()
