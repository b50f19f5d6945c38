import BrigCLI

await Brig.main()
