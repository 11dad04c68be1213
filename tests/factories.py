import datetime as dt

import factory
from django.contrib.auth import get_user_model

from surveys import models


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organization
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    min_group_size = 5


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Department

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Department {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = models.Role.HR_ADMIN


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Employee

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Sequence(lambda n: f"Person {n}")
    start_date = dt.date(2024, 1, 15)
    location = "Berlin"
    level = "Professional"


class CompanyValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CompanyValue

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"value{n}")
    name = factory.Sequence(lambda n: f"Value {n}")
    claim = "We live it."


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Question

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"q{n}")
    text = factory.Sequence(lambda n: f"Question {n}?")
    type = models.QuestionType.LIKERT
    perspective = models.Perspective.EMPLOYEE
