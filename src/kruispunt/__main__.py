from kruispunt.entry import main

main()
