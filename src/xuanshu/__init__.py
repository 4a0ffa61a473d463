"""xuanshu (选树): civic role-model campaigns for a city newspaper's media centre."""
